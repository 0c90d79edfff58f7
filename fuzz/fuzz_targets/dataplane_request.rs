#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rudder_group_fuzz::dataplane_request(data));
