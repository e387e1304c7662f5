//! Finds libgeomrt and links it.
//!
//! Search order:
//!  1. `GEOMRT_LIB_DIR`: the directory holding `libgeomrt.so` (a build tree's `lib/`
//!     or an install prefix's `lib/`). `GEOMRT_INCLUDE_DIR` is accepted for symmetry
//!     with other -sys crates but not needed: the declarations are written by hand.
//!  2. `pkg-config --libs-only-L geomrt` (honours `PKG_CONFIG_PATH`; run as a plain
//!     subprocess, no crate). An empty answer means a system directory.
//!  3. Otherwise the build stops with a message saying how to point at the library.
//!
//! Emits `rustc-link-search`, `rustc-link-lib=dylib=geomrt`, an rpath for this
//! crate's own tests, and `cargo:lib_dir=<dir>` (read by dependents' build scripts
//! as `DEP_GEOMRT_LIB_DIR`, so they can give their binaries the same rpath: cargo
//! does not pass link arguments on to dependents).
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    for var in [
        "GEOMRT_LIB_DIR",
        "GEOMRT_INCLUDE_DIR",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let dir = match env::var_os("GEOMRT_LIB_DIR").filter(|v| !v.is_empty()) {
        Some(d) => Some(from_env(PathBuf::from(d))),
        None => match from_pkg_config() {
            Ok(d) => d,
            Err(why) => fail(&why),
        },
    };

    if let Some(dir) = &dir {
        let shown = dir.display();
        println!("cargo:rustc-link-search=native={shown}");
        // Rebuild (relink) when the library is rebuilt.
        println!("cargo:rerun-if-changed={}", dir.join(library_file_name()).display());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{shown}");
        println!("cargo:lib_dir={shown}");
    }
    println!("cargo:rustc-link-lib=dylib=geomrt");
}

fn library_file_name() -> &'static str {
    if cfg!(target_os = "macos") { "libgeomrt.dylib" } else { "libgeomrt.so" }
}

fn from_env(dir: PathBuf) -> PathBuf {
    let dir = dir
        .canonicalize()
        .unwrap_or_else(|e| fail(&format!("GEOMRT_LIB_DIR={} is not a readable directory: {e}", dir.display())));
    if !dir.join(library_file_name()).exists() {
        fail(&format!(
            "GEOMRT_LIB_DIR={} has no {}; point it at the `lib` directory of a geomrt build or install",
            dir.display(),
            library_file_name()
        ));
    }
    dir
}

/// `Ok(Some(dir))`: pkg-config named a directory; `Ok(None)`: it found geomrt in a
/// default linker directory; `Err`: pkg-config is missing or does not know geomrt.
fn from_pkg_config() -> Result<Option<PathBuf>, String> {
    let exe = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(&exe)
        .args(["--libs-only-L", "geomrt"])
        .output()
        .map_err(|e| format!("GEOMRT_LIB_DIR is not set and `{exe}` could not be run ({e})"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "GEOMRT_LIB_DIR is not set and `{exe} --libs-only-L geomrt` failed:\n    {}",
            msg.trim().replace('\n', "\n    ")
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let dirs: Vec<PathBuf> = text
        .split_whitespace()
        .filter_map(|tok| tok.strip_prefix("-L"))
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    // Prefer the directory that really holds the library; pkg-config may list several.
    let found = dirs.iter().find(|d| d.join(library_file_name()).exists()).or(dirs.first());
    Ok(found.map(|d| d.canonicalize().unwrap_or_else(|_| Path::new(d).to_path_buf())))
}

fn fail(why: &str) -> ! {
    eprintln!(
        "\nerror: geomrt-sys cannot find libgeomrt.\n  {why}\n\n\
         Tell it where the library is, one of:\n  \
         GEOMRT_LIB_DIR=/path/to/geomrt/build/lib cargo build\n  \
         PKG_CONFIG_PATH=/path/to/prefix/lib/pkgconfig cargo build   (an installed geomrt ships geomrt.pc)\n"
    );
    // Also as a cargo warning, so it shows even when stderr of build scripts is hidden.
    println!("cargo:warning=geomrt-sys: cannot find libgeomrt: {why}; set GEOMRT_LIB_DIR or PKG_CONFIG_PATH");
    std::process::exit(1);
}
