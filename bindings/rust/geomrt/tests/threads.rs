//! One `Runtime` shared by several threads at once gives every thread the same results as
//! a single-threaded call, bit for bit; results move between threads.
mod common;

use std::sync::Arc;

use geomrt::{Outputs, Runtime, Tensor};

struct Problem {
    xs: Vec<f64>,
    xt: Vec<f64>,
    n: usize,
    m: usize,
}

fn emd(rt: &Runtime, p: &Problem) -> Outputs {
    rt.invoke("ot.emd", &[("xs", Tensor::matrix(&p.xs, p.n, 3)), ("xt", Tensor::matrix(&p.xt, p.m, 3))], &[]).unwrap()
}

fn sinkhorn(rt: &Runtime, p: &Problem) -> Outputs {
    rt.invoke(
        "ot.sinkhorn",
        &[("xs", Tensor::matrix(&p.xs, p.n, 3)), ("xt", Tensor::matrix(&p.xt, p.m, 3))],
        &[("reg", 0.05.into())],
    )
    .unwrap()
}

/// Everything an output set holds, as bits.
fn fingerprint(out: &Outputs) -> Vec<(String, Vec<u64>)> {
    out.names().iter().map(|&n| (n.to_string(), common::bits(&out.to_dense_f64(n).unwrap()))).collect()
}

#[test]
fn a_runtime_used_from_several_threads_at_once_gives_identical_results() {
    let rt = Runtime::new().unwrap();
    let mut rng = common::Rng::new(99);
    let problems: Vec<Problem> = (0..3)
        .map(|k| {
            let (n, m) = (80 + 10 * k, 70 + 5 * k);
            Problem { xs: rng.points(n, 3, 0.0), xt: rng.points(m, 3, 1.0), n, m }
        })
        .collect();
    let reference: Vec<_> =
        problems.iter().map(|p| (fingerprint(&emd(&rt, p)), fingerprint(&sinkhorn(&rt, p)))).collect();

    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (rt, problems, reference) = (&rt, &problems, &reference);
                s.spawn(move || {
                    for round in 0..15 {
                        let k = (t + round) % problems.len();
                        assert_eq!(fingerprint(&emd(rt, &problems[k])), reference[k].0, "thread {t} round {round} emd");
                        assert_eq!(
                            fingerprint(&sinkhorn(rt, &problems[k])),
                            reference[k].1,
                            "thread {t} round {round} sinkhorn"
                        );
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
}

#[test]
fn runtime_in_an_arc_and_outputs_moved_across_threads() {
    let rt = Arc::new(Runtime::new().unwrap());
    let p = Arc::new({
        let mut rng = common::Rng::new(1);
        Problem { xs: rng.points(30, 3, 0.0), xt: rng.points(20, 3, 2.0), n: 30, m: 20 }
    });
    let reference = fingerprint(&emd(&rt, &p));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (rt, p) = (Arc::clone(&rt), Arc::clone(&p));
            std::thread::spawn(move || emd(&rt, &p)) // Outputs is Send
        })
        .collect();
    for w in workers {
        assert_eq!(fingerprint(&w.join().unwrap()), reference);
    }
}

#[test]
fn outputs_stay_valid_after_the_runtime_is_dropped() {
    let mut rng = common::Rng::new(2);
    let p = Problem { xs: rng.points(10, 3, 0.0), xt: rng.points(8, 3, 1.0), n: 10, m: 8 };
    let rt = Runtime::new().unwrap();
    let out = emd(&rt, &p);
    let before = fingerprint(&out);
    drop(rt);
    assert_eq!(fingerprint(&out), before);
}
