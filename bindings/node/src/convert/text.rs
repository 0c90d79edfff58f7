//! Strings: JS strings (UTF-16, possibly ill-formed) as Rust strings.

use super::check;
use napi::sys;
use std::ptr;

/// Reads a JS string as UTF-8; `None` when it holds a lone surrogate, which has no UTF-8 (and
/// so no JSON) form. `buf` is scratch space reused across calls: most strings take one copy.
pub(crate) fn read_utf8(
    env: sys::napi_env,
    v: sys::napi_value,
    buf: &mut Vec<u8>,
) -> napi::Result<Option<String>> {
    Ok(read_str(env, v, buf)?.map(str::to_owned))
}

/// [`read_utf8`] without a copy: the text borrowed from `buf`.
pub(crate) fn read_str(
    env: sys::napi_env,
    v: sys::napi_value,
    buf: &mut Vec<u8>,
) -> napi::Result<Option<&str>> {
    if buf.capacity() < 256 {
        buf.reserve(256);
    }
    let mut cap = buf.capacity();
    let mut len = 0usize;
    // SAFETY: the buffer has `cap` writable bytes; Node-API writes at most `cap` (NUL included).
    check(unsafe {
        sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), cap, &mut len)
    })?;
    // A copy stops short of the buffer's end by at most one character (up to 4 bytes) plus
    // the terminating NUL; closer than that, the string may have been cut.
    if len + 5 > cap {
        // SAFETY: a length query writes only `len`.
        check(unsafe { sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len) })?;
        buf.reserve(len + 1);
        cap = buf.capacity();
        // SAFETY: as above, with a buffer now large enough for the whole string.
        check(unsafe {
            sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), cap, &mut len)
        })?;
    }
    // SAFETY: Node-API wrote `len` bytes (and a NUL after them) into the buffer.
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr(), len) };
    // V8 writes a lone surrogate as U+FFFD (EF BF BD): only then is the UTF-16 form checked.
    if bytes.windows(3).any(|w| w == [0xEF, 0xBF, 0xBD]) && has_lone_surrogate(env, v)? {
        return Ok(None);
    }
    Ok(std::str::from_utf8(bytes).ok())
}

/// Reads a JS string as its UTF-16 units, exactly (a lone surrogate stays one), into `units`
/// (scratch space reused across calls: one Node-API copy when it is large enough). `false`
/// when `v` is not a string.
pub(crate) fn read_utf16_into(
    env: sys::napi_env,
    v: sys::napi_value,
    units: &mut Vec<u16>,
) -> napi::Result<bool> {
    let mut t = 0;
    // SAFETY: `v` is a value of this env.
    check(unsafe { sys::napi_typeof(env, v, &mut t) })?;
    if t != sys::ValueType::napi_string {
        return Ok(false);
    }
    units.clear();
    if units.capacity() < 1024 {
        units.reserve(1024);
    }
    let mut cap = units.capacity();
    let mut written = 0usize;
    // SAFETY: the buffer has `cap` units of capacity; Node-API writes at most that many (the
    // string, cut to `cap - 1` units, and a NUL) and says in `written` how many it wrote.
    check(unsafe {
        sys::napi_get_value_string_utf16(env, v, units.as_mut_ptr(), cap, &mut written)
    })?;
    if written + 1 >= cap {
        // Maybe cut: the whole length, and a buffer that holds it.
        let mut len = 0usize;
        // SAFETY: a length query writes only `len`.
        check(unsafe { sys::napi_get_value_string_utf16(env, v, ptr::null_mut(), 0, &mut len) })?;
        units.reserve(len + 1);
        cap = units.capacity();
        // SAFETY: as above, with a buffer now large enough for the whole string.
        check(unsafe {
            sys::napi_get_value_string_utf16(env, v, units.as_mut_ptr(), cap, &mut written)
        })?;
        written = written.min(len);
    }
    // SAFETY: the first `written` units (fewer than `cap`) were written just above.
    unsafe { units.set_len(written.min(cap)) };
    Ok(true)
}

fn utf16(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Vec<u16>> {
    let mut units = Vec::new();
    read_utf16_into(env, v, &mut units)?;
    Ok(units)
}

fn has_lone_surrogate(env: sys::napi_env, v: sys::napi_value) -> napi::Result<bool> {
    Ok(char::decode_utf16(utf16(env, v)?).any(|c| c.is_err()))
}
