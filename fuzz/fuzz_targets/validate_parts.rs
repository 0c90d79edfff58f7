#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rudder_group_fuzz::validate_parts(data));
