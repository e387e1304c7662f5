//! The Rust binding gives the C API's results to the last bit: the same inputs go
//! through `geomrt run ... --out DIR` (the C CLI, which writes every output as .npy) and
//! through `Runtime::invoke`, and every output is compared bit for bit.
mod common;

use std::path::Path;
use std::process::Command;

use common::{Rng, bits, read_npy, write_npy_f64};
use geomrt::{Kind, Outputs, Param, Runtime, Tensor};

/// Run the CLI; returns its stdout (the `name = value` report) or None if there is no CLI.
fn run_cli(method: &str, inputs: &[(&str, &Path)], params: &[(&str, &str)], out: &Path) -> Option<String> {
    let Some(cli) = common::cli() else {
        eprintln!("skipped: no geomrt CLI (set GEOMRT_CLI)");
        return None;
    };
    let mut cmd = Command::new(cli);
    cmd.args(["run", method, "--quiet", "--out"]).arg(out);
    for (name, path) in inputs {
        cmd.arg("--input").arg(format!("{name}={}", path.display()));
    }
    for (k, v) in params {
        cmd.arg("--param").arg(format!("{k}={v}"));
    }
    let o = cmd.output().expect("run the geomrt CLI");
    assert!(o.status.success(), "CLI failed: {}", String::from_utf8_lossy(&o.stderr));
    Some(String::from_utf8(o.stdout).unwrap())
}

/// Compare every output of `out` with the CLI's .npy files and its text report.
fn assert_same_as_cli(out: &Outputs, dir: &Path, report: &str) {
    let names = out.names();
    assert!(!names.is_empty());
    for name in &names {
        match out.kind(name).unwrap() {
            Kind::Sparse => {
                let s = out.sparse(name).unwrap();
                assert_eq!(read_npy(&dir.join(format!("{name}.indptr.npy"))).i64s(), s.indptr, "{name}.indptr");
                assert_eq!(read_npy(&dir.join(format!("{name}.indices.npy"))).i64s(), s.indices, "{name}.indices");
                assert_eq!(
                    bits(&read_npy(&dir.join(format!("{name}.values.npy"))).f64s()),
                    bits(s.values),
                    "{name}.values"
                );
                let dense = read_npy(&dir.join(format!("{name}.npy")));
                assert_eq!(dense.shape, vec![s.rows as i64, s.cols as i64]);
                assert_eq!(bits(&dense.f64s()), bits(&out.to_dense_f64(name).unwrap()), "{name} dense");
                assert_eq!(bits(&s.to_dense()), bits(&out.to_dense_f64(name).unwrap()), "{name} to_dense");
            }
            _ => {
                let t = out.tensor(name).unwrap();
                let npy = read_npy(&dir.join(format!("{name}.npy")));
                assert_eq!(npy.shape, t.shape(), "{name} shape");
                match t.as_f64() {
                    Some(v) => assert_eq!(bits(&npy.f64s()), bits(v), "{name}"),
                    None => assert_eq!(npy.i64s(), t.as_i64().unwrap(), "{name}"),
                }
                if t.ndim() == 0 {
                    // The text report prints scalars with %.17g, which reads back exactly.
                    let line = report
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name} = ")))
                        .unwrap_or_else(|| panic!("no '{name} = ' in {report}"));
                    let printed: f64 = line.trim().parse().unwrap();
                    assert_eq!(printed.to_bits(), out.scalar(name).unwrap().to_bits(), "{name} printed {line}");
                }
            }
        }
    }
}

#[test]
fn emd_between_point_clouds_matches_the_c_cli_bit_for_bit() {
    let dir = common::scratch("emd");
    let mut rng = Rng::new(42);
    let (n, m, d) = (60, 45, 3);
    let xs = rng.points(n, d, 0.0);
    let xt = rng.points(m, d, 1.5);
    let a: Vec<f64> = (0..n).map(|_| rng.uniform() + 0.1).collect();
    let total: f64 = a.iter().sum();
    let b: Vec<f64> = (0..m).map(|_| total / m as f64).collect();
    for (name, v, shape) in [("xs", &xs, vec![n, d]), ("xt", &xt, vec![m, d]), ("a", &a, vec![n]), ("b", &b, vec![m])] {
        write_npy_f64(&dir.join(format!("{name}.npy")), v, &shape);
    }
    for metric in ["sqeuclidean", "euclidean", "cityblock"] {
        let out_dir = dir.join(format!("out-{metric}"));
        let inputs: Vec<(&str, std::path::PathBuf)> =
            ["xs", "xt", "a", "b"].iter().map(|k| (*k, dir.join(format!("{k}.npy")))).collect();
        let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(k, p)| (*k, p.as_path())).collect();
        let Some(report) = run_cli("ot.emd", &inputs, &[("metric", metric)], &out_dir) else { return };

        let rt = Runtime::new().unwrap();
        let out = rt
            .invoke(
                "ot.emd",
                &[
                    ("xs", Tensor::matrix(&xs, n, d)),
                    ("xt", Tensor::matrix(&xt, m, d)),
                    ("a", Tensor::vector(&a)),
                    ("b", Tensor::vector(&b)),
                ],
                &[("metric", Param::Str(metric))],
            )
            .unwrap();
        assert_eq!(out.names(), ["plan", "alpha", "beta", "cost", "iterations"]);
        assert_same_as_cli(&out, &out_dir, &report);
        let plan = out.sparse("plan").unwrap();
        assert!(plan.nnz() < n + m, "a vertex of the transport polytope has at most n + m - 1 entries");
        let mass: f64 = plan.values.iter().sum();
        assert!((mass - total).abs() < 1e-9 * total, "plan mass {mass} vs {total}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sinkhorn_and_wasserstein_1d_match_the_c_cli_bit_for_bit() {
    let dir = common::scratch("sinkhorn");
    let mut rng = Rng::new(7);
    let (n, m, d) = (50, 40, 2);
    let xs = rng.points(n, d, 0.0);
    let xt = rng.points(m, d, 0.75);
    write_npy_f64(&dir.join("xs.npy"), &xs, &[n, d]);
    write_npy_f64(&dir.join("xt.npy"), &xt, &[m, d]);
    let (xs_p, xt_p) = (dir.join("xs.npy"), dir.join("xt.npy"));
    let out_dir = dir.join("out");
    let params = [("reg", "0.05"), ("tol", "1e-10")];
    let Some(report) = run_cli("ot.sinkhorn", &[("xs", &xs_p), ("xt", &xt_p)], &params, &out_dir) else { return };

    let rt = Runtime::new().unwrap();
    let out = rt
        .invoke(
            "ot.sinkhorn",
            &[("xs", Tensor::matrix(&xs, n, d)), ("xt", Tensor::matrix(&xt, m, d))],
            &[("reg", 0.05.into()), ("tol", 1e-10.into())],
        )
        .unwrap();
    assert_same_as_cli(&out, &out_dir, &report);
    assert_eq!(out.tensor("plan").unwrap().shape(), [n as i64, m as i64]);

    // 1-D: sample values as vectors.
    let u: Vec<f64> = (0..500).map(|_| rng.normal()).collect();
    let v: Vec<f64> = (0..400).map(|_| 0.5 * rng.normal() + 2.0).collect();
    write_npy_f64(&dir.join("u.npy"), &u, &[u.len()]);
    write_npy_f64(&dir.join("v.npy"), &v, &[v.len()]);
    let out_dir = dir.join("out1d");
    let (u_p, v_p) = (dir.join("u.npy"), dir.join("v.npy"));
    let report = run_cli("ot.wasserstein_1d", &[("xs", &u_p), ("xt", &v_p)], &[("p", "2")], &out_dir).unwrap();
    let out = rt.invoke("ot.wasserstein_1d", &[("xs", (&u).into()), ("xt", (&v).into())], &[("p", 2.into())]).unwrap();
    assert_same_as_cli(&out, &out_dir, &report);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_example_data_give_the_same_cost_as_the_cli_reading_csv() {
    // The CLI parses CSV with strtod; Rust's parser is also correctly rounded, so both see
    // the same doubles and must print the same %.17g cost.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data");
    let (src, dst) = (data.join("source.csv"), data.join("target.csv"));
    if !src.exists() {
        eprintln!("skipped: no examples/data");
        return;
    }
    let read = |p: &Path| -> (Vec<f64>, usize) {
        let text = std::fs::read_to_string(p).unwrap();
        let rows: Vec<Vec<f64>> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split(',').map(|x| x.trim().parse().unwrap()).collect())
            .collect();
        (rows.concat(), rows.len())
    };
    let (xs, n) = read(&src);
    let (xt, m) = read(&dst);
    let out_dir = common::scratch("csv");
    let Some(report) = run_cli("ot.emd", &[("xs", &src), ("xt", &dst)], &[], &out_dir) else { return };
    let rt = Runtime::new().unwrap();
    let out =
        rt.invoke("ot.emd", &[("xs", Tensor::matrix(&xs, n, 2)), ("xt", Tensor::matrix(&xt, m, 2))], &[]).unwrap();
    assert_same_as_cli(&out, &out_dir, &report);
    let _ = std::fs::remove_dir_all(&out_dir);
}
