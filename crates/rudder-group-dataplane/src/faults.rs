//! Faults a test injects on demand: a status, added latency, a dropped connection, an outage.
//!
//! Faults apply to data requests only (everything except `/health` and `/_rudder_group/...`).
//! Each data request gets at most one fault: the first one, in the order they were injected,
//! that fires for it. A [`FaultCount::Next`] fault fires for the next N requests that reach it,
//! then is gone; a [`FaultCount::Fraction`] fault fires for that fraction of the requests that
//! reach it and stays until cleared. [`FaultCount::Requests`] and [`FaultCount::Every`] fire by
//! the request's number: data requests are numbered 1, 2, 3... from the start, a reset or a
//! clearing of the faults, so that a test can script a sequence ("503 for requests 1 to 3, 500
//! for every 10th") whatever order the faults fire in. An [`Fault::Outage`] is not queued: it starts at once.
//! Faults never touch the admin API.

use serde_json::{Map, Value};

/// One fault to inject with [`DataPlane::inject`](crate::DataPlane::inject) or
/// `POST /_rudder_group/faults`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status (plain-text body, plus a `Retry-After` header when given) instead
    /// of processing the request. The request body is still read and recorded.
    Status {
        /// The HTTP status, 200..=999 (anything else is answered 500).
        status: u16,
        /// The `Retry-After` header value, e.g. `"1"` or an HTTP date.
        retry_after: Option<String>,
        /// Which requests get it.
        count: FaultCount,
    },
    /// Wait this long before processing the request (the request counts as in flight meanwhile).
    Latency {
        /// The added wait in milliseconds.
        millis: u64,
        /// Which requests get it.
        count: FaultCount,
    },
    /// Read the request, then close the TCP connection with no answer. Such a request is not
    /// recorded (it got no answer).
    DropConnection {
        /// Which requests get it.
        count: FaultCount,
    },
    /// The data plane is down for this long: open connections are closed once their current
    /// request is answered, and every data request (and `/health`) gets no answer, its
    /// connection closed as soon as its headers are read. The admin API stays reachable on the
    /// same port, so that a test can read back or end the outage early (a refused TCP connection
    /// cannot tell the admin API from the gateway). [`DataPlane::clear_faults`](crate::DataPlane::clear_faults)
    /// and [`DataPlane::reset`](crate::DataPlane::reset) end an outage early.
    Outage {
        /// How long data requests go unanswered, in milliseconds.
        millis: u64,
    },
}

/// Which data requests a queued fault applies to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultCount {
    /// The next N requests that reach this fault, then the fault is gone.
    Next(u32),
    /// This fraction (clamped to 0.0..=1.0) of the requests that reach this fault, spread evenly
    /// and deterministically: the first request is hit, e.g. 0.5 hits the 1st, 3rd, 5th...
    Fraction(f64),
    /// The data requests numbered `first..=last` (numbered from 1; see the module docs). Stays
    /// until cleared.
    Requests {
        /// The first request number hit.
        first: u64,
        /// The last request number hit.
        last: u64,
    },
    /// Every data request whose number is a multiple of this (0 hits none). Stays until cleared.
    Every(u64),
}

/// What the gateway does to one request because of a fault.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Status {
        status: u16,
        retry_after: Option<String>,
    },
    Latency(u64),
    Drop,
}

#[derive(Debug)]
struct Queued {
    action: Action,
    count: FaultCount,
    seen: u64,
    fired: u64,
}

impl Queued {
    /// Whether this fault fires for the request numbered `number` that reaches it now; updates
    /// the counters.
    fn fires(&mut self, number: u64) -> bool {
        let fire = match self.count {
            FaultCount::Requests { first, last } => (first..=last).contains(&number),
            FaultCount::Every(k) => k != 0 && number % k == 0,
            FaultCount::Next(n) => self.fired < u64::from(n),
            FaultCount::Fraction(p) => {
                let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
                (self.fired as f64) < (self.seen + 1) as f64 * p - 1e-9
            }
        };
        self.seen += 1;
        if fire {
            self.fired += 1;
        }
        fire
    }

    fn exhausted(&self) -> bool {
        matches!(self.count, FaultCount::Next(n) if self.fired >= u64::from(n))
    }
}

/// The queue of per-request faults, in injection order.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queued: Vec<Queued>,
    /// Data requests seen since the start or the last clear.
    numbered: u64,
}

impl FaultQueue {
    /// Queues a per-request fault. Returns the outage length instead for [`Fault::Outage`].
    pub(crate) fn push(&mut self, fault: Fault) -> Option<u64> {
        let (action, count) = match fault {
            Fault::Status {
                status,
                retry_after,
                count,
            } => (
                Action::Status {
                    status,
                    retry_after,
                },
                count,
            ),
            Fault::Latency { millis, count } => (Action::Latency(millis), count),
            Fault::DropConnection { count } => (Action::Drop, count),
            Fault::Outage { millis } => return Some(millis),
        };
        self.queued.push(Queued {
            action,
            count,
            seen: 0,
            fired: 0,
        });
        None
    }

    pub(crate) fn clear(&mut self) {
        self.queued.clear();
        self.numbered = 0;
    }

    /// The fault for the data request arriving now, if any.
    pub(crate) fn next_action(&mut self) -> Option<Action> {
        self.numbered += 1;
        let number = self.numbered;
        let index = self.queued.iter_mut().position(|q| q.fires(number))?;
        let action = self.queued[index].action.clone();
        if self.queued[index].exhausted() {
            self.queued.remove(index);
        }
        Some(action)
    }
}

impl Fault {
    /// Reads the admin API's JSON form of a fault, e.g. `{"status":429,"retry_after":"1","next":3}`,
    /// `{"status":500,"fraction":0.5}`, `{"latency_ms":200,"next":2}`, `{"drop":true,"next":1}`,
    /// `{"outage_ms":2000}`, `{"status":503,"requests":[1,3]}` (requests numbered 1 to 3),
    /// `{"status":500,"every":10}` (every 10th request). Without `next`, `fraction`, `requests` or
    /// `every` a fault applies to the next request only.
    /// Unknown keys are errors, so that a typo does not silently inject something else.
    pub fn from_json(value: &Value) -> Result<Fault, String> {
        let obj = value
            .as_object()
            .ok_or_else(|| "a fault is a JSON object".to_string())?;
        const KNOWN: [&str; 9] = [
            "status",
            "retry_after",
            "latency_ms",
            "drop",
            "outage_ms",
            "next",
            "fraction",
            "requests",
            "every",
        ];
        if let Some(unknown) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!("unknown key {unknown:?}; known keys: {KNOWN:?}"));
        }
        let kinds: Vec<&str> = ["status", "latency_ms", "drop", "outage_ms"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        if kinds.len() != 1 {
            return Err(
                "a fault has exactly one of \"status\", \"latency_ms\", \"drop\", \"outage_ms\""
                    .to_string(),
            );
        }
        if kinds[0] != "status" && obj.contains_key("retry_after") {
            return Err("\"retry_after\" goes with \"status\" only".to_string());
        }
        match kinds[0] {
            "status" => {
                let status = uint(obj, "status")?;
                let status = u16::try_from(status)
                    .ok()
                    .filter(|s| (200..=999).contains(s))
                    .ok_or_else(|| "\"status\" must be 200..=999".to_string())?;
                let retry_after = match obj.get("retry_after") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
                    Some(_) => {
                        return Err("\"retry_after\" is a string or a whole number".to_string())
                    }
                };
                Ok(Fault::Status {
                    status,
                    retry_after,
                    count: count(obj)?,
                })
            }
            "latency_ms" => Ok(Fault::Latency {
                millis: uint(obj, "latency_ms")?,
                count: count(obj)?,
            }),
            "drop" => {
                if obj.get("drop") != Some(&Value::Bool(true)) {
                    return Err("\"drop\" must be true".to_string());
                }
                Ok(Fault::DropConnection { count: count(obj)? })
            }
            _ => {
                if COUNTS.iter().any(|k| obj.contains_key(*k)) {
                    return Err(
                        "an outage takes no \"next\", \"fraction\", \"requests\" or \"every\""
                            .to_string(),
                    );
                }
                Ok(Fault::Outage {
                    millis: uint(obj, "outage_ms")?,
                })
            }
        }
    }
}

fn uint(obj: &Map<String, Value>, key: &str) -> Result<u64, String> {
    obj.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{key:?} must be a non-negative whole number"))
}

const COUNTS: [&str; 4] = ["next", "fraction", "requests", "every"];

fn count(obj: &Map<String, Value>) -> Result<FaultCount, String> {
    let given: Vec<&str> = COUNTS
        .into_iter()
        .filter(|k| obj.contains_key(*k))
        .collect();
    if given.len() > 1 {
        return Err(format!(
            "give one of \"next\", \"fraction\", \"requests\", \"every\", not {given:?}"
        ));
    }
    match given.first().copied() {
        Some("next") => {
            let n = uint(obj, "next")?;
            u32::try_from(n)
                .map(FaultCount::Next)
                .map_err(|_| "\"next\" is too large".to_string())
        }
        Some("fraction") => match obj["fraction"].as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Ok(FaultCount::Fraction(p)),
            _ => Err("\"fraction\" must be a number in 0..=1".to_string()),
        },
        Some("requests") => {
            let pair = obj["requests"]
                .as_array()
                .filter(|a| a.len() == 2)
                .and_then(|a| Some((a[0].as_u64()?, a[1].as_u64()?)))
                .filter(|(first, last)| *first >= 1 && first <= last);
            match pair {
                Some((first, last)) => Ok(FaultCount::Requests { first, last }),
                None => Err(
                    "\"requests\" is [first, last]: request numbers from 1, first <= last"
                        .to_string(),
                ),
            }
        }
        Some(_) => Ok(FaultCount::Every(uint(obj, "every")?)),
        None => Ok(FaultCount::Next(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(status: u16, count: FaultCount) -> Fault {
        Fault::Status {
            status,
            retry_after: None,
            count,
        }
    }

    fn code(action: Option<Action>) -> u16 {
        match action {
            Some(Action::Status { status, .. }) => status,
            Some(_) => 1,
            None => 0,
        }
    }

    #[test]
    fn next_faults_apply_in_order_then_vanish() {
        let mut q = FaultQueue::default();
        q.push(status(500, FaultCount::Next(2)));
        q.push(status(503, FaultCount::Next(1)));
        let seen: Vec<u16> = (0..4).map(|_| code(q.next_action())).collect();
        assert_eq!(seen, [500, 500, 503, 0]);
    }

    #[test]
    fn fraction_is_even_and_lets_later_faults_through() {
        let mut q = FaultQueue::default();
        q.push(status(500, FaultCount::Fraction(0.5)));
        q.push(status(429, FaultCount::Next(1)));
        let seen: Vec<u16> = (0..5).map(|_| code(q.next_action())).collect();
        assert_eq!(seen, [500, 429, 500, 0, 500]);
        let mut q = FaultQueue::default();
        q.push(status(500, FaultCount::Fraction(0.0)));
        assert_eq!(code(q.next_action()), 0);
        q.clear();
        q.push(status(500, FaultCount::Fraction(1.0)));
        assert!((0..10).all(|_| code(q.next_action()) == 500));
    }

    #[test]
    fn numbered_faults_follow_the_request_number() {
        let mut q = FaultQueue::default();
        for v in [
            json!({"status":503,"requests":[1,3]}),
            json!({"status":429,"retry_after":"1","requests":[5,5]}),
            json!({"status":500,"every":10}),
            json!({"status":502,"every":7}),
        ] {
            q.push(Fault::from_json(&v).unwrap());
        }
        let seen: Vec<u16> = (0..21).map(|_| code(q.next_action())).collect();
        assert_eq!(
            seen,
            [503, 503, 503, 0, 429, 0, 502, 0, 0, 500, 0, 0, 0, 502, 0, 0, 0, 0, 0, 500, 502]
        );
        q.clear();
        q.push(status(500, FaultCount::Requests { first: 2, last: 2 }));
        assert_eq!(code(q.next_action()), 0, "clearing restarts the numbering");
        assert_eq!(code(q.next_action()), 500);
        assert_eq!(code(q.next_action()), 0);
        for bad in [
            json!({"status":500,"requests":[0,1]}),
            json!({"status":500,"requests":[3,2]}),
            json!({"status":500,"requests":[1]}),
            json!({"status":500,"every":-1}),
            json!({"status":500,"every":2,"next":1}),
            json!({"outage_ms":10,"every":2}),
        ] {
            assert!(Fault::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_forms() {
        let f = |v: Value| Fault::from_json(&v);
        assert_eq!(
            f(json!({"status":429,"retry_after":"1","next":3})),
            Ok(Fault::Status {
                status: 429,
                retry_after: Some("1".into()),
                count: FaultCount::Next(3)
            })
        );
        assert_eq!(
            f(json!({"status":500,"fraction":0.5})),
            Ok(status(500, FaultCount::Fraction(0.5)))
        );
        assert_eq!(
            f(json!({"latency_ms":200,"next":2})),
            Ok(Fault::Latency {
                millis: 200,
                count: FaultCount::Next(2)
            })
        );
        assert_eq!(
            f(json!({"drop":true})),
            Ok(Fault::DropConnection {
                count: FaultCount::Next(1)
            })
        );
        assert_eq!(
            f(json!({"outage_ms":2000})),
            Ok(Fault::Outage { millis: 2000 })
        );
        for bad in [
            json!([]),
            json!({}),
            json!({"status":42}),
            json!({"status":500,"retryAfter":"1"}),
            json!({"status":500,"next":1,"fraction":0.5}),
            json!({"status":500,"fraction":2}),
            json!({"drop":false}),
            json!({"outage_ms":10,"next":1}),
            json!({"latency_ms":10,"status":500}),
        ] {
            assert!(f(bad.clone()).is_err(), "{bad}");
        }
    }
}
