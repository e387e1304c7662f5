//! Helpers shared by the integration tests: seeded data, .npy files, where the build
//! tree's CLI and test plugin are.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Directory of the libgeomrt the tests link (from geomrt-sys's build script).
pub fn lib_dir() -> Option<PathBuf> {
    option_env!("GEOMRT_LINKED_LIB_DIR").map(PathBuf::from)
}

/// The `geomrt` command-line program: `$GEOMRT_CLI`, else `<lib>/../bin/geomrt` of a build tree.
pub fn cli() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GEOMRT_CLI") {
        return Some(PathBuf::from(p));
    }
    lib_dir().map(|d| d.join("../bin/geomrt")).filter(|p| p.exists())
}

/// The core tests' fixture plugin (test.echo, test.strided, test.accumulate, ...):
/// `$GEOMRT_TEST_PLUGIN_DIR`, else `<lib>/../tests/plugins/good` of a build tree.
pub fn test_plugin_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GEOMRT_TEST_PLUGIN_DIR") {
        return Some(PathBuf::from(p));
    }
    lib_dir().map(|d| d.join("../tests/plugins/good")).filter(|p| p.exists())
}

/// A fresh scratch directory under the system temp dir.
pub fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("geomrt-rs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// splitmix64: a fixed-seed generator, so every run sees the same numbers.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Approximately standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    pub fn points(&mut self, n: usize, d: usize, shift: f64) -> Vec<f64> {
        (0..n * d).map(|_| self.normal() + shift).collect()
    }
}

/// Write a C-order float64 array as .npy (format 1.0): exact, unlike text.
pub fn write_npy_f64(path: &Path, data: &[f64], shape: &[usize]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_txt = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape_txt}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// An array read from .npy: shape and raw little-endian 8-byte elements.
pub struct Npy {
    pub descr: String,
    pub shape: Vec<i64>,
    pub words: Vec<u64>,
}

impl Npy {
    pub fn f64s(&self) -> Vec<f64> {
        assert_eq!(self.descr, "<f8");
        self.words.iter().map(|&w| f64::from_bits(w)).collect()
    }
    pub fn i64s(&self) -> Vec<i64> {
        assert_eq!(self.descr, "<i8");
        self.words.iter().map(|&w| w as i64).collect()
    }
}

/// Read a C-order .npy of 8-byte elements (what the CLI writes for f64 and i64).
pub fn read_npy(path: &Path) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}", path.display());
    let (hlen, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let d = field(header, "'descr':").trim_start().trim_start_matches('\'');
    let descr = d[..d.find('\'').unwrap()].to_string();
    let shape_txt = field(header, "'shape':");
    let inner = &shape_txt[shape_txt.find('(').unwrap() + 1..shape_txt.find(')').unwrap()];
    let shape: Vec<i64> =
        inner.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    let data = &bytes[start + hlen..];
    assert_eq!(data.len() % 8, 0);
    let words = data.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect::<Vec<_>>();
    assert_eq!(words.len() as i64, shape.iter().product::<i64>(), "{}", path.display());
    Npy { descr, shape, words }
}

fn field<'h>(header: &'h str, key: &str) -> &'h str {
    let at = header.find(key).unwrap_or_else(|| panic!("no {key} in {header}"));
    &header[at + key.len()..]
}

/// Bits of f64s, so a mismatch shows which element differs, not just "not equal".
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Resident set size of this process in KiB (`VmRSS` in /proc/self/status).
pub fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
