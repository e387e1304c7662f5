//! Nothing leaks: 10^4 invocations (successes and failures, every kind of output read,
//! args reused and rebuilt) leave the resident set size where it was after a warm-up.
//! This file is its own test process, so no other test's memory moves the numbers.
mod common;

use geomrt::{Args, CallOptions, Runtime, Tensor};

fn round(rt: &Runtime, xs: &[f64], xt: &[f64], k: usize) {
    let (n, m) = (xs.len() / 2, xt.len() / 2);
    // Exact OT: sparse plan, dense potentials, i64 scalar.
    // threads(1): tiny problems; with all cores, thread start-up would dominate the run time.
    let inputs = [("xs", Tensor::matrix(xs, n, 2)), ("xt", Tensor::matrix(xt, m, 2))];
    let out = rt.invoke_opts("ot.emd", &inputs, &[], &mut CallOptions::new().threads(1)).unwrap();
    let plan = out.sparse("plan").unwrap();
    assert!(plan.nnz() >= n.max(m));
    assert_eq!(out.to_dense_f64("plan").unwrap().len(), n * m);
    assert_eq!(out.tensor("alpha").unwrap().len(), n);
    assert!(out.scalar("iterations").unwrap() >= 0.0);
    let _ = out.names();
    drop(out);

    // Reused Args with call options and a progress closure.
    let (ts, tt) = (Tensor::matrix(xs, n, 2), Tensor::matrix(xt, m, 2));
    let mut args = Args::new().unwrap();
    args.input("xs", &ts)
        .unwrap()
        .input("xt", &tt)
        .unwrap()
        .param("reg", 0.5)
        .unwrap()
        .param("metric", "euclidean")
        .unwrap();
    let mut reports = 0;
    let mut opts = CallOptions::new().threads(1).progress(|_| {
        reports += 1;
        std::ops::ControlFlow::Continue(())
    });
    let out = rt.invoke_with("ot.sinkhorn", &args, &mut opts).unwrap();
    assert_eq!(out.tensor_f64("plan").unwrap().len(), n * m);

    // Failures: error message strings must be freed too.
    if k % 4 == 0 {
        assert!(rt.invoke("ot.no_such_method", &[], &[]).is_err());
        assert!(rt.invoke_with("ot.sinkhorn", &Args::new().unwrap(), &mut CallOptions::new()).is_err());
        assert!(out.scalar("no_such_output").is_err());
        let _ = rt.describe("ot.emd").unwrap();
    }
}

#[test]
fn ten_thousand_invocations_do_not_grow_the_resident_set() {
    let Some(_) = common::rss_kib() else {
        eprintln!("skipped: no /proc/self/status");
        return;
    };
    let rt = Runtime::new().unwrap();
    let mut rng = common::Rng::new(5);
    let xs = rng.points(12, 2, 0.0);
    let xt = rng.points(9, 2, 0.5);

    // Warm-up: allocator arenas, thread pools and lazily built tables reach their size.
    for k in 0..1000 {
        round(&rt, &xs, &xt, k);
    }
    let start = common::rss_kib().unwrap();
    let mut samples = Vec::new();
    for k in 0..10_000 {
        round(&rt, &xs, &xt, k);
        if k % 2000 == 1999 {
            samples.push(common::rss_kib().unwrap());
        }
    }
    let end = common::rss_kib().unwrap();
    eprintln!("leak: RSS {start} KiB after warm-up, then every 2000 rounds {samples:?} KiB, end {end} KiB");
    // One round allocates several KB (plans, messages, args); a leak of even 100 bytes per
    // round would add ~1 MB (x3 invocations per round).
    assert!(end <= start + 1024, "RSS grew from {start} KiB to {end} KiB over 10^4 rounds");
}
