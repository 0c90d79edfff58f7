//! What the generated table's `get` and `put` use to move a checked value in and out of a
//! `Config` field: each takes a `Typed` of the kind its setting holds.

use super::Typed;
use std::time::Duration;

pub(super) fn duration(t: Typed) -> Duration {
    match t {
        Typed::Duration(d) => d,
        _ => Duration::ZERO,
    }
}

pub(super) fn count(t: Typed) -> Option<u64> {
    match t {
        Typed::Count(n) => n,
        _ => None,
    }
}

pub(super) fn size(t: Typed) -> usize {
    count(t).map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

pub(super) fn text(t: Typed) -> Option<String> {
    match t {
        Typed::Text(s) => s,
        _ => None,
    }
}

pub(super) fn choice(t: Typed) -> &'static str {
    match t {
        Typed::Choice(c) => c,
        _ => "",
    }
}

pub(super) fn flag(t: Typed) -> bool {
    matches!(t, Typed::Bool(true))
}

pub(super) fn n(v: u64) -> Typed {
    Typed::Count(Some(v))
}
