//! Every numeric option, given a value out of its range, is a usage error: exit status 2 and a
//! message naming the option, never a panic.

use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rudder-group");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("RUDDER_WRITE_KEY")
        .env_remove("RUDDER_DATA_PLANE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

/// Nothing listens on port 1: no test reaches a data plane.
const SEND: &[&str] = &[
    "send",
    "--write-key",
    "k",
    "--data-plane-url",
    "http://127.0.0.1:1",
];

/// A command line without the option, the option, and values it must refuse.
struct Case {
    command: &'static [&'static str],
    option: &'static str,
    bad: &'static [&'static str],
}

const NUMBERS: &[&str] = &[
    "-1",
    "x",
    "",
    "1.5",
    "nan",
    "inf",
    "99999999999999999999999",
];

const CASES: &[Case] = &[
    Case {
        command: SEND,
        option: "--timeout",
        bad: &[
            "inf",
            "+inf",
            "-inf",
            "infinity",
            "nan",
            "NaN",
            "-1",
            "-0.5",
            "86400.001",
            "1e300",
            "1e19",
            "",
            "x",
        ],
    },
    Case {
        command: SEND,
        option: "--flush-at",
        bad: &["0", "100001"],
    },
    Case {
        command: &["validate"],
        option: "--max-event-bytes",
        bad: &["0", "4096001", "18446744073709551615"],
    },
    Case {
        command: &["serve", "--port", "0"],
        option: "--max-in-flight",
        bad: &["0", "65537"],
    },
    Case {
        command: &["serve", "--port", "0"],
        option: "--rate-limit",
        bad: &["0", "1000001", "4294967296"],
    },
    Case {
        command: &["serve", "--port", "0"],
        option: "--latency-ms",
        bad: &["-1", "600001", "18446744073709551616"],
    },
    Case {
        command: &["serve"],
        option: "--port",
        bad: &["65536"],
    },
    Case {
        command: &["demo"],
        option: "--events",
        bad: &["1000001", "18446744073709551615"],
    },
];

#[test]
fn every_numeric_option_refuses_values_out_of_range() {
    let mut checked = 0;
    for case in CASES {
        // A fraction is a valid wait; for a count it is as wrong as the rest.
        let extra: &[&str] = if case.option == "--timeout" {
            &[]
        } else {
            NUMBERS
        };
        for bad in case.bad.iter().chain(extra) {
            let option_value = format!("{}={bad}", case.option);
            let mut args = case.command.to_vec();
            args.push(&option_value);
            let out = run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(case.option), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{args:?}");
            checked += 1;
        }
    }
    assert!(checked >= 50, "{checked}");
}

#[test]
fn values_at_the_ends_of_a_range_are_taken() {
    // No input: nothing to deliver, so these finish at once whatever the wait.
    for timeout in ["0", "0.25", "86400"] {
        for flush_at in ["1", "100000"] {
            let mut args = SEND.to_vec();
            args.extend(["--timeout", timeout, "--flush-at", flush_at]);
            let out = run(&args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}");
            assert!(stdout.starts_with("0 delivered, 0 failed"), "{stdout}");
        }
    }
    for bytes in ["1", "4096000"] {
        let out = run(&["validate", "--max-event-bytes", bytes]);
        assert_eq!(out.status.code(), Some(0), "--max-event-bytes {bytes}");
    }
    let out = run(&["demo", "--events", "0"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("delivered:  1\n"));
}
