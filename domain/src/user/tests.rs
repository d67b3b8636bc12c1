use super::*;

#[test]
fn display_names() {
    assert!(is_valid_display_name("Zoë d'Arc"));
    assert!(is_valid_display_name(&"n".repeat(200)));
    for bad in ["", "   ", "a\nb", "\u{7}", &"n".repeat(201)] {
        assert!(!is_valid_display_name(bad), "{bad:?}");
    }
}

#[test]
fn random_ids_parse_back() {
    let id = UserId::from_random([0xab; 16]);
    assert_eq!(id.as_str().len(), 36);
    assert_eq!(UserId::parse(id.as_str()).unwrap(), id);
    assert_eq!(&id.as_str()[14..15], "4");
}

proptest::proptest! {
    /// Any 16 bytes make a version-4, RFC 4122-variant UUID that parses back and carries
    /// the bytes themselves outside the version and variant bits.
    #[test]
    fn every_random_id_is_a_v4_uuid(bytes in proptest::prelude::any::<[u8; 16]>()) {
        let id = UserId::from_random(bytes);
        proptest::prop_assert_eq!(UserId::parse(id.as_str()), Ok(id.clone()));
        let hex: String = id.as_str().split('-').collect();
        let mut expected = bytes;
        expected[6] = (expected[6] & 0x0f) | 0x40;
        expected[8] = (expected[8] & 0x3f) | 0x80;
        let expected: String = expected.iter().map(|b| format!("{b:02x}")).collect();
        proptest::prop_assert_eq!(hex, expected);
        let groups: Vec<usize> = id.as_str().split('-').map(str::len).collect();
        proptest::prop_assert_eq!(groups, vec![8, 4, 4, 4, 12]);
    }
}

#[test]
fn rejects_other_shapes() {
    for bad in [
        "",
        "0B5E1C2A-7D4F-4E8A-9C3B-2F1E0D9C8B7A",
        "0b5e1c2a7d4f4e8a9c3b2f1e0d9c8b7a",
        "0b5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7",
        "0b5e1c2a-7d4f-4e8a-9c3b_2f1e0d9c8b7a",
        "zb5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7a",
    ] {
        assert!(UserId::parse(bad).is_err(), "{bad:?}");
    }
}
