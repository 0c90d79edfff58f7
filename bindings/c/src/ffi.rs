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

/// The body of a generated setter (`config_setters.rs`): reads the config and the value, then
/// sets the value through `Config::set` under its C name, so the settings table checks it and
/// converts its unit. The value's arm says how C gives it:
/// - `int v`: a count, a size or milliseconds;
/// - `bool v`: a switch;
/// - `either "no" or "yes" v`: a two-choice setting as a bool (`true` is the second);
/// - `str v`: a required string (a choice), copied;
/// - `opt_str v`: an optional string, copied; NULL unsets it.
macro_rules! c_setter {
    ($config:ident, $name:literal, int $value:ident) => {
        c_setter!(@set $config, $name, Value::Int($value as i128))
    };
    ($config:ident, $name:literal, bool $value:ident) => {
        c_setter!(@set $config, $name, Value::Bool($value))
    };
    ($config:ident, $name:literal, either $no:literal or $yes:literal $value:ident) => {
        c_setter!(@set $config, $name, Value::Str(if $value { $yes } else { $no }.to_owned()))
    };
    ($config:ident, $name:literal, str $value:ident) => {
        c_setter!(@set $config, $name, Value::Str(arg!(str $value).to_owned()))
    };
    ($config:ident, $name:literal, opt_str $value:ident) => {
        c_setter!(
            @set $config,
            $name,
            arg!(opt_str $value).map_or(Value::Null, |s| Value::Str(s.to_owned()))
        )
    };
    (@set $config:ident, $name:literal, $value:expr) => {
        $crate::error::guard(|| {
            #[allow(unused_imports)]
            use rudder_group_client::settings::Value;
            let config = arg!(mut $config);
            let value = $value;
            $crate::config::set(&mut config.config, $name, value)
        })
    };
}
