//! The rest of the API surface: introspection, plugin report, every parameter type,
//! sparse inputs and outputs, in-place state (written only on success), reusable Args.
mod common;

use geomrt::{Args, CallOptions, DType, ErrorCode, Kind, Param, ParamType, Runtime, Tensor};

fn test_runtime() -> Option<Runtime> {
    let Some(dir) = common::test_plugin_dir() else {
        eprintln!("skipped: no test plugin (set GEOMRT_TEST_PLUGIN_DIR)");
        return None;
    };
    Some(Runtime::with_plugin_paths(&[dir]).unwrap())
}

#[test]
fn introspection_lists_and_describes_the_ot_methods() {
    let rt = Runtime::new().unwrap();
    let methods = rt.methods();
    let names: Vec<&str> = methods.iter().map(|m| m.name()).collect();
    for want in ["ot.emd", "ot.sinkhorn", "ot.wasserstein_1d"] {
        assert!(names.contains(&want), "{names:?}");
    }
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted by name");

    let json = rt.describe("ot.emd").unwrap();
    assert!(json.starts_with('{') && json.contains("\"name\":\"ot.emd\""), "{json}");

    let m = rt.method("ot.sinkhorn").unwrap();
    assert!(!m.summary().is_empty() && !m.description().is_empty() && !m.citation().is_empty());
    assert!(m.plugin().contains("geomrt_ot"));
    let inputs = m.inputs();
    let xs = inputs.iter().find(|s| s.name == "xs").unwrap();
    assert_eq!((xs.kind, xs.dtype, xs.ndim, xs.shape), (Some(Kind::Dense), Some(DType::F64), Some(2), "n,d"));
    assert!(xs.is_optional());
    let plan = m.outputs().into_iter().find(|s| s.name == "plan").unwrap();
    assert_eq!(plan.shape, "n,m");
    let params = m.params();
    let reg = params.iter().find(|p| p.name == "reg").unwrap();
    assert!(reg.required && reg.default.is_empty() && reg.ty == Some(ParamType::F64) && reg.min == 0.0);
    let metric = params.iter().find(|p| p.name == "metric").unwrap();
    assert_eq!(metric.ty, Some(ParamType::Enum));
    assert!(metric.choices.contains(&"sqeuclidean") && metric.default == "sqeuclidean");
    assert_eq!(
        rt.method("ot.emd").unwrap().outputs().iter().find(|s| s.name == "plan").unwrap().kind,
        Some(Kind::Sparse)
    );

    let report = rt.plugin_report();
    assert!(report.iter().any(|r| r.loaded && r.path.to_string_lossy().contains("geomrt_ot")), "{report:?}");
    assert_eq!(geomrt::version(), "0.1.0");
    assert_eq!(geomrt::version_numbers(), (0, 1, 0));
}

#[test]
fn every_parameter_type_reaches_the_method() {
    let Some(rt) = test_runtime() else { return };
    let out = rt
        .invoke(
            "test.params",
            &[],
            &[
                ("f", 0.25.into()),
                ("i", 42i64.into()),
                ("b", true.into()),
                ("mode", "exact".into()),
                ("s", Param::Str("abc")),
            ],
        )
        .unwrap();
    assert_eq!(out.scalar("f").unwrap(), 0.25);
    assert_eq!(out.scalar("i").unwrap(), 42.0);
    assert_eq!(out.scalar("b").unwrap(), 1.0);
    assert_eq!(out.scalar("mode_len").unwrap(), 5.0 + 300.0);
    // Strings parse into numbers and booleans; exact floats convert to integers.
    let out = rt.invoke("test.params", &[], &[("f", "-0.5".into()), ("i", 9.0.into()), ("b", "false".into())]).unwrap();
    assert_eq!((out.scalar("f").unwrap(), out.scalar("i").unwrap(), out.scalar("b").unwrap()), (-0.5, 9.0, 0.0));
    // Range and type checks.
    let e = rt.invoke("test.params", &[], &[("f", 0.0.into()), ("i", 100.into())]).unwrap_err();
    assert!(e.message.contains("'i'"), "{e}");
    let e = rt.invoke("test.params", &[], &[("f", 0.0.into()), ("i", 1.5.into())]).unwrap_err();
    assert!(matches!(e.code, ErrorCode::DType | ErrorCode::InvalidArgument), "{e:?}");
}

#[test]
fn sparse_inputs_and_outputs_round_trip() {
    let Some(rt) = test_runtime() else { return };
    // [[1, 0, 2], [0, 0, 3]]
    let (indptr, indices, values) = ([0i64, 2, 3], [0i64, 2, 2], [1.0, 2.0, 3.0]);
    let out = rt.invoke("test.sparse", &[("A", Tensor::csr(2, 3, &indptr, &indices, &values))], &[]).unwrap();
    assert_eq!(out.tensor_f64("rowsum").unwrap(), [3.0, 3.0]);
    let t = out.sparse("T").unwrap();
    assert_eq!((t.rows, t.cols, t.nnz()), (3, 2, 3));
    assert_eq!(t.to_dense(), [1.0, 0.0, 0.0, 0.0, 2.0, 3.0]);
    assert_eq!(out.to_dense_f64("T").unwrap(), t.to_dense());
    assert_eq!(t.iter().collect::<Vec<_>>(), [(0, 0, 1.0), (2, 0, 2.0), (2, 1, 3.0)]);
    // The host validates CSR contents: a negative value in a nonnegative slot.
    let bad = [1.0, -2.0, 3.0];
    let e = rt.invoke("test.sparse", &[("A", Tensor::csr(2, 3, &indptr, &indices, &bad))], &[]).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
}

#[test]
fn inplace_state_is_written_only_when_the_call_succeeds() {
    let Some(rt) = test_runtime() else { return };
    let mut state = vec![1.0, 2.0, 3.0, 4.0];
    {
        let mut args = Args::new().unwrap();
        args.inplace("state", &mut state, &[2, 2]).unwrap().param("delta", 0.5).unwrap();
        let out = rt.invoke_with("test.accumulate", &args, &mut CallOptions::new()).unwrap();
        assert_eq!(out.scalar("total").unwrap(), 12.0);
    }
    assert_eq!(state, [1.5, 2.5, 3.5, 4.5]);
    {
        let mut args = Args::new().unwrap();
        args.inplace("state", &mut state, &[4]).unwrap().param("fail", true).unwrap();
        let e = rt.invoke_with("test.accumulate", &args, &mut CallOptions::new()).unwrap_err();
        assert!(e.message.contains("asked to fail"), "{e}");
    }
    assert_eq!(state, [1.5, 2.5, 3.5, 4.5], "untouched after a failed call");
    // Strided in-place: only the diagonal of a 3 x 3 matrix (stride 4 over 9 elements).
    let mut m = vec![0.0; 9];
    {
        let mut args = Args::new().unwrap();
        args.inplace_strided("state", &mut m, &[3], &[4]).unwrap();
        rt.invoke_with("test.accumulate", &args, &mut CallOptions::new()).unwrap();
    }
    assert_eq!(m, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn args_are_reusable_and_replace_values_by_name() {
    let Some(rt) = test_runtime() else { return };
    let x1 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let x2 = [10.0, 20.0, 30.0, 40.0];
    let w = [1.0, 1.0, 1.0]; // declared before `args`, which borrows it until dropped
    let (t1, t2) = (Tensor::matrix(&x1, 2, 3), Tensor::matrix(&x2, 2, 2));
    let mut args = Args::new().unwrap();
    args.input("x", &t1).unwrap();
    let out = rt.invoke_with("test.echo", &args, &mut CallOptions::new()).unwrap();
    assert_eq!(out.scalar("sum").unwrap(), 21.0);
    assert_eq!(out.scalar("scale").unwrap(), 1.5, "default filled in");
    let y = out.tensor("y").unwrap();
    assert_eq!((y.shape(), y.as_f64().unwrap()), (&[2i64, 3][..], &x1[..]));
    args.input("x", &t2).unwrap().param("scale", 2).unwrap();
    let out = rt.invoke_with("test.echo", &args, &mut CallOptions::new()).unwrap();
    assert_eq!((out.scalar("sum").unwrap(), out.scalar("scale").unwrap()), (100.0, 2.0));
    // A tied dimension: w must have as many entries as x has rows.
    let tw = Tensor::vector(&w);
    args.input("w", &tw).unwrap();
    let e = rt.invoke_with("test.echo", &args, &mut CallOptions::new()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Shape);
    assert!(e.message.contains("'w'") && e.message.contains("'x'"), "{e}");
    args.clear();
    let e = rt.invoke_with("test.echo", &args, &mut CallOptions::new()).unwrap_err();
    assert!(e.message.contains("'x'"), "missing input after clear: {e}");
    // A plugin exception surfaces as an error, not a crash.
    let e = rt.invoke("test.throws", &[], &[]).unwrap_err();
    assert!(e.message.contains("boom"), "{e}");
}

#[test]
fn the_readme_example_runs_and_gives_the_known_cost() -> Result<(), geomrt::Error> {
    // docs/bindings-rust.md and the crate docs show these lines.
    let rt = Runtime::new()?;
    let (xs, xt) = ([0.0, 0.0, 1.0, 1.0], [0.5, 0.0, 1.5, 1.0]); // two 2-D points each, row-major
    let inputs = [("xs", Tensor::matrix(&xs, 2, 2)), ("xt", Tensor::matrix(&xt, 2, 2))]; // borrowed, not copied
    let exact = rt.invoke("ot.emd", &inputs, &[])?.scalar("cost")?; // 0.25
    let entropic = rt.invoke("ot.sinkhorn", &inputs, &[("reg", 0.05.into())])?.scalar("cost")?;
    assert!((exact - 0.25).abs() < 1e-12, "{exact}");
    assert!(entropic >= exact - 1e-9 && entropic < exact + 0.05, "{entropic}");
    Ok(())
}
