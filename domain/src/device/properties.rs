//! Property tests of user codes: every generated code parses back in any spelling a person
//! might type, and no input panics.

use super::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn generated_codes_parse_back_however_typed(bytes in proptest::collection::vec(0u8..240, 8..32), lower in any::<bool>()) {
        let code = UserCode::from_random(&bytes).expect("eight usable bytes");
        let shown = code.display();
        prop_assert_eq!(shown.len(), 9);
        let typed = if lower { shown.to_lowercase() } else { shown.replace('-', " ") };
        prop_assert_eq!(UserCode::parse(&typed).expect("parses"), code);
    }

    #[test]
    fn parsing_never_panics_and_accepts_only_the_alphabet(s in "\\PC{0,20}") {
        if let Ok(code) = UserCode::parse(&s) {
            prop_assert!(code.as_str().bytes().all(|b| USER_CODE_ALPHABET.contains(&b)));
            prop_assert_eq!(code.as_str().len(), USER_CODE_LEN);
        }
    }
}
