#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rpc_fuzz::jsonrpc_payload(data));
