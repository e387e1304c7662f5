//! Failures come back as `Err(Error)` carrying the runtime's code and message; call options
//! (cancel flag, progress closure, panics in it) behave as documented.
mod common;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicI32, Ordering};

use geomrt::{Args, CallOptions, ErrorCode, Param, Runtime, Tensor};

fn clouds() -> (Vec<f64>, Vec<f64>) {
    let mut rng = common::Rng::new(3);
    (rng.points(20, 2, 0.0), rng.points(15, 2, 1.0))
}

#[test]
fn an_unknown_method_is_not_found_with_the_name_in_the_message() {
    let rt = Runtime::new().unwrap();
    let e = rt.invoke("ot.no_such_method", &[], &[]).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("ot.no_such_method"), "{e}");
    assert_eq!(e.to_string(), e.message, "Display is the runtime's message");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
    assert_eq!(rt.describe("nope").unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn bad_parameters_are_rejected_with_the_parameter_named() {
    let rt = Runtime::new().unwrap();
    let (xs, xt) = clouds();
    let inputs = [("xs", Tensor::matrix(&xs, 20, 2)), ("xt", Tensor::matrix(&xt, 15, 2))];
    type Case<'p> = (&'p [(&'p str, Param<'p>)], ErrorCode, &'p str);
    let cases: [Case; 5] = [
        (&[("reg", Param::F64(-1.0))], ErrorCode::InvalidArgument, "reg"),
        (&[], ErrorCode::InvalidArgument, "missing required parameter 'reg'"),
        (&[("reg", 0.1.into()), ("no_such_param", 1.into())], ErrorCode::NotFound, "no_such_param"),
        (&[("reg", 0.1.into()), ("metric", "manhattan".into())], ErrorCode::InvalidArgument, "manhattan"),
        (&[("reg", "not a number".into())], ErrorCode::InvalidArgument, "reg"),
    ];
    for (params, code, word) in cases {
        let e = rt.invoke("ot.sinkhorn", &inputs, params).unwrap_err();
        assert!(e.message.contains(word), "{params:?}: {e}");
        assert_eq!(e.code, code, "{params:?}: {e}");
        assert!(e.message.starts_with("ot.sinkhorn: "), "{e}");
    }
}

#[test]
fn nan_inputs_and_shape_mismatches_are_errors_not_garbage() {
    let rt = Runtime::new().unwrap();
    let (mut xs, xt) = clouds();
    xs[7] = f64::NAN;
    let e = rt
        .invoke("ot.emd", &[("xs", Tensor::matrix(&xs, 20, 2)), ("xt", Tensor::matrix(&xt, 15, 2))], &[])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("xs") && e.message.contains("non-finite"), "{e}");

    // Dimension d differs between xs (n,d) and xt (m,d): caught by the host's signature check.
    let (xs, _) = clouds();
    let xt3 = vec![0.0; 15 * 3];
    let e = rt
        .invoke("ot.emd", &[("xs", Tensor::matrix(&xs, 20, 2)), ("xt", Tensor::matrix(&xt3, 15, 3))], &[])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Shape);
    assert!(e.message.contains("'d'"), "{e}");

    // Wrong rank.
    let e = rt.invoke("ot.emd", &[("xs", Tensor::vector(&xs)), ("xt", Tensor::matrix(&xt3, 15, 3))], &[]).unwrap_err();
    assert_eq!(e.code, ErrorCode::Shape, "{e}");

    // Wrong dtype.
    let xs32: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
    let e = rt
        .invoke("ot.emd", &[("xs", Tensor::matrix(&xs32, 20, 2)), ("xt", Tensor::matrix(&xs, 20, 2))], &[])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::DType, "{e}");

    // A shape that does not match the slice is refused on the Rust side: no read past the end.
    let e = rt
        .invoke("ot.emd", &[("xs", Tensor::matrix(&xs, 21, 2)), ("xt", Tensor::matrix(&xs, 20, 2))], &[])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Shape);
    assert!(e.message.contains("input 'xs'") && e.message.contains("the slice has 40"), "{e}");

    // Names with NUL bytes cannot reach C.
    assert_eq!(rt.invoke("ot.emd\0x", &[], &[]).unwrap_err().code, ErrorCode::InvalidArgument);
}

#[test]
fn output_lookups_fail_cleanly() {
    let rt = Runtime::new().unwrap();
    let (xs, xt) = clouds();
    let out =
        rt.invoke("ot.emd", &[("xs", Tensor::matrix(&xs, 20, 2)), ("xt", Tensor::matrix(&xt, 15, 2))], &[]).unwrap();
    let e = out.scalar("no_such_output").unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("no_such_output") && e.message.contains("cost"), "{e}");
    assert_eq!(out.tensor("plan").unwrap_err().code, ErrorCode::DType); // plan is sparse
    assert_eq!(out.sparse("alpha").unwrap_err().code, ErrorCode::DType); // alpha is dense
    assert_eq!(out.scalar("alpha").unwrap_err().code, ErrorCode::Shape); // not one element
    assert_eq!(out.tensor_f64("iterations").unwrap_err().code, ErrorCode::DType); // i64
    assert!(out.scalar("iterations").unwrap() >= 1.0); // i64 scalars convert
    assert!(!out.contains("nope") && out.contains("plan"));
    assert_eq!(out.shape("plan").unwrap(), [20, 15]);
}

#[test]
fn a_set_cancel_flag_cancels_the_call() {
    let rt = Runtime::new().unwrap();
    let (xs, xt) = clouds();
    let cancel = AtomicI32::new(1);
    let mut opts = CallOptions::new().cancel_flag(&cancel);
    let mut args = Args::new().unwrap();
    let (ts, tt) = (Tensor::matrix(&xs, 20, 2), Tensor::matrix(&xt, 15, 2));
    args.input("xs", &ts).unwrap().input("xt", &tt).unwrap().param("reg", 0.01).unwrap();
    let e = rt.invoke_with("ot.sinkhorn", &args, &mut opts).unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled, "{e}");
    cancel.store(0, Ordering::Relaxed);
    let out = rt.invoke_with("ot.sinkhorn", &args, &mut opts).unwrap();
    assert!(out.scalar("cost").unwrap() > 0.0);
}

#[test]
fn the_cancel_flag_stops_a_running_call_from_another_thread() {
    let Some(dir) = common::test_plugin_dir() else {
        eprintln!("skipped: no test plugin");
        return;
    };
    let rt = Runtime::with_plugin_paths(&[dir]).unwrap();
    let cancel = AtomicI32::new(0);
    let reports = AtomicI32::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while reports.load(Ordering::Relaxed) < 5 {
                std::thread::yield_now();
            }
            cancel.store(1, Ordering::Relaxed);
        });
        let mut opts = CallOptions::new().cancel_flag(&cancel).progress(|_| {
            reports.fetch_add(1, Ordering::Relaxed);
            ControlFlow::Continue(())
        });
        // 10^6 steps of 1 ms would take 17 minutes: only cancellation ends it early.
        let e =
            rt.invoke_opts("test.progress", &[], &[("steps", 1_000_000.into()), ("sleep_us", 1000.into())], &mut opts);
        assert_eq!(e.unwrap_err().code, ErrorCode::Cancelled);
    });
    assert!(reports.load(Ordering::Relaxed) >= 5);
}

#[test]
fn progress_reports_arrive_and_break_cancels() {
    let rt = Runtime::new().unwrap();
    let (xs, xt) = clouds();
    let inputs = [("xs", Tensor::matrix(&xs, 20, 2)), ("xt", Tensor::matrix(&xt, 15, 2))];
    let caller = std::thread::current().id();
    let mut seen = Vec::new();
    let mut opts = CallOptions::new().threads(1).progress(|p| {
        assert_eq!(std::thread::current().id(), caller, "progress runs on the calling thread");
        seen.push(p);
        ControlFlow::Continue(())
    });
    let out = rt.invoke_opts("ot.sinkhorn", &inputs, &[("reg", 0.01.into())], &mut opts).unwrap();
    drop(opts);
    assert!(!seen.is_empty(), "sinkhorn reports progress");
    assert!(seen.iter().all(|p| p.fraction.is_none() && p.iteration >= 0), "{seen:?}");
    let iterations = out.scalar("iterations").unwrap() as i64;
    assert!(seen.last().unwrap().iteration <= iterations);

    let mut calls = 0;
    let mut opts = CallOptions::new().progress(|_| {
        calls += 1;
        ControlFlow::Break(())
    });
    let e = rt.invoke_opts("ot.sinkhorn", &inputs, &[("reg", 0.001.into())], &mut opts).unwrap_err();
    drop(opts);
    assert_eq!(e.code, ErrorCode::Cancelled);
    assert_eq!(calls, 1, "no more reports after Break");
}

#[test]
fn a_panic_in_the_progress_closure_resumes_in_the_caller_not_in_c() {
    let rt = Runtime::new().unwrap();
    let (xs, xt) = clouds();
    let inputs = [("xs", Tensor::matrix(&xs, 20, 2)), ("xt", Tensor::matrix(&xt, 15, 2))];
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut opts = CallOptions::new().progress(|_| panic!("user closure failed"));
        let _ = rt.invoke_opts("ot.sinkhorn", &inputs, &[("reg", 0.001.into())], &mut opts);
    }));
    let payload = caught.expect_err("the panic comes back");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"user closure failed"));
    // The runtime is fine afterwards.
    let out = rt.invoke("ot.sinkhorn", &inputs, &[("reg", 0.1.into())]).unwrap();
    assert!(out.scalar("cost").unwrap() > 0.0);
}

#[test]
fn plugin_load_failures_are_errors_and_reported() {
    let mut rt = Runtime::builder().no_default_search(true).build().unwrap();
    assert!(rt.methods().is_empty());
    let e = rt.load_plugin("/no/such/plugin.so").unwrap_err();
    assert!(matches!(e.code, ErrorCode::NotFound | ErrorCode::Plugin), "{e:?}");
    assert!(e.message.contains("/no/such/plugin.so"), "{e}");
    if let Some(dir) = common::lib_dir() {
        rt.load_plugin(dir.join("geomrt/plugins")).unwrap();
        assert!(rt.method("ot.emd").is_ok());
        assert!(rt.plugin_report().iter().any(|r| r.loaded && r.reason.is_empty()));
    }
}
