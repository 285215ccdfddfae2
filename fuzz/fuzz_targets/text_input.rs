//! The bounded reader's decoding (UTF-8, BOMs, UTF-16) and the script character check.
#![no_main]
use ipsedit::core::input::decode_text;
use ipsedit::core::text::{excerpt, find_unsafe_in_script, output_safe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = decode_text(data) {
        let _ = find_unsafe_in_script(&text);
        let safe = output_safe(&text);
        assert!(
            !safe
                .chars()
                .any(|c| c != '\n' && ipsedit::core::text::is_unsafe_char(c))
        );
        for line in text.lines().take(4) {
            let _ = excerpt(line, line.len() / 2 + 1, 80);
        }
    }
});
