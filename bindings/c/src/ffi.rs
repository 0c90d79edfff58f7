//! The shape every export shares, written once: reading its pointer arguments, each named in
//! its error as the header names it, and freeing a handle inside the panic guard.
//!
//! Every export documents its pointer contract (NULL or a live handle, a NUL-terminated string,
//! storage the call may write); these macros are the only places that rely on it, so the
//! reasoning is written here once instead of beside each argument of each export. They are used
//! inside the body an export runs in [`guard`](crate::error::guard), whose `Result` the `?`
//! of a required argument returns to.

/// Reads a pointer argument of an export under its own name (`RUDDER_NULL_ARGUMENT` says
/// "`name` is NULL"):
/// - `arg!(str p)`: a required NUL-terminated UTF-8 string, borrowed for the call;
/// - `arg!(opt_str p)`: the same, NULL being `None`;
/// - `arg!(ref p)` / `arg!(mut p)`: a required handle, borrowed to read or to change;
/// - `arg!(opt_ref p)`: a handle, NULL being `None` (for accessors that answer NULL with a value);
/// - `arg!(take p)`: a handle the call consumes, `None` for NULL;
/// - `arg!(out p)`: a required output, checked before any work, written only on success;
/// - `arg!(opt_out p)`: an optional output, `None` for NULL.
macro_rules! arg {
    (str $p:ident) => {{
        // SAFETY: the export's contract: NULL or a NUL-terminated string valid for the call.
        unsafe { $crate::args::input_str($p, stringify!($p)) }?
    }};
    (opt_str $p:ident) => {{
        // SAFETY: as for `str`.
        unsafe { $crate::args::input_opt_str($p, stringify!($p)) }?
    }};
    (ref $p:ident) => {{
        // SAFETY: the export's contract: NULL or a live handle no thread changes during the call.
        unsafe { $crate::args::handle_ref($p, stringify!($p)) }?
    }};
    (mut $p:ident) => {{
        // SAFETY: the export's contract: NULL or a live handle no other thread uses during the
        // call.
        unsafe { $crate::args::handle_mut($p, stringify!($p)) }?
    }};
    (opt_ref $p:ident) => {{
        // SAFETY: as for `ref`.
        unsafe { $p.as_ref() }
    }};
    (take $p:ident) => {{
        // SAFETY: the export's contract: NULL or a handle from this library that the caller
        // gives up (it is not used again).
        unsafe { $crate::args::take_handle($p) }
    }};
    (out $p:ident) => {{
        // SAFETY: the export's contract: NULL or storage the call may write once.
        unsafe { $crate::args::Out::required($p, stringify!($p)) }?
    }};
    (opt_out $p:ident) => {{
        // SAFETY: as for `out`.
        unsafe { $crate::args::Out::optional($p) }
    }};
}

/// The body of a `_free` export: takes the handle back (NULL is ignored) and drops it inside the
/// panic guard.
macro_rules! ffi_free {
    ($p:ident) => {
        $crate::error::guard_value((), || drop(arg!(take $p)))
    };
}
