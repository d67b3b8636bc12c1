use super::*;

#[test]
fn length_counts_code_points_and_nothing_else_matters() {
    let p = PasswordPolicy::default();
    assert_eq!(
        Password::parse("short", p),
        Err(PasswordError::TooShort(15))
    );
    assert!(Password::parse("correct horse battery", p).is_ok());
    assert!(
        Password::parse("ééééééééééééééé", p).is_ok(),
        "15 code points"
    );
    assert!(Password::parse(&"a".repeat(256), p).is_ok());
    assert_eq!(
        Password::parse(&"a".repeat(257), p),
        Err(PasswordError::TooLong(256))
    );
    let floor = PasswordPolicy {
        min_chars: 4,
        max_chars: 64,
    };
    assert_eq!(
        Password::parse("1234567", floor),
        Err(PasswordError::TooShort(8))
    );
}

#[test]
fn nfkc_normalises_compatibility_forms() {
    let p = PasswordPolicy::default();
    let a = Password::parse("ｆｕｌｌｗｉｄｔｈ ｐａｓｓｗｏｒｄ", p).unwrap();
    assert_eq!(a.expose(), "fullwidth password");
    assert_eq!(format!("{a:?}"), "Password(..)");
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn set(s: &str) -> Result<Password, PasswordError> {
    Password::parse_for(
        s,
        PasswordPolicy::default(),
        &email("ada.lovelace@example.com"),
    )
}

#[test]
fn common_and_guessable_passwords_are_refused() {
    for weak in [
        "password1234567",
        "qwertyuiopasdfgh",
        "passwordpassword",
        "iloveyou12345678",
        "1234567890123456",
        "aaaaaaaaaaaaaaaaaaaa",
        "abcdefghijklmnopqrstuvwxyz",
        "P@ssw0rd12345678",
        "QWERTYUIOPASDFGH",
    ] {
        assert_eq!(set(weak), Err(PasswordError::TooCommon), "{weak}");
    }
    let msg = PasswordError::TooCommon.to_string();
    assert!(msg.contains("too common or too easy to guess"), "{msg}");
}

#[test]
fn long_phrases_pass_without_composition_rules() {
    // The famous xkcd phrase: zxcvbn scores it 4 (about 10^19 guesses), so it is allowed.
    assert!(set("correct horse battery staple").is_ok());
    assert!(set("correcthorsebatterystaple").is_ok());
    // Only lowercase letters, no digit, no symbol: 20 characters is enough.
    assert!(set("zqvtmrlkwpxjdnhbfgsy").is_ok());
    assert!(set("amber quiet river lamp").is_ok());
    assert!(set("velvet-orbit-lantern-92-quarry").is_ok());
}

#[test]
fn the_email_name_and_the_service_name_are_refused() {
    let e = email("Ada.Lovelace@example.com");
    let p = PasswordPolicy::default();
    assert_eq!(
        Password::parse_for("my ada.lovelace amber quiet river", p, &e),
        Err(PasswordError::ContainsEmailName)
    );
    assert_eq!(
        Password::parse_for("amber ADA.LOVELACE quiet river", p, &e),
        Err(PasswordError::ContainsEmailName),
        "case-insensitive"
    );
    assert_eq!(
        Password::parse_for("amber quiet river bob lamp", p, &email("bob@example.com")),
        Err(PasswordError::ContainsEmailName)
    );
    // A local part under 3 characters is not looked for.
    assert!(Password::parse_for("jo amber quiet river lamp", p, &email("jo@example.com")).is_ok());
    assert_eq!(
        Password::parse_for("my Tessera amber quiet river", p, &e),
        Err(PasswordError::ContainsServiceName("tessera"))
    );
    assert_eq!(
        PasswordError::ContainsEmailName.to_string(),
        "the password must not contain your email name (the part before the @)"
    );
}

#[test]
fn length_rules_hold_in_parse_for() {
    let e = email("ada@example.com");
    assert_eq!(set("amber quiet"), Err(PasswordError::TooShort(15)));
    let floor = PasswordPolicy {
        min_chars: 1,
        max_chars: 256,
    };
    assert_eq!(
        Password::parse_for("zq7vtm!", floor, &e),
        Err(PasswordError::TooShort(8)),
        "never below 8"
    );
    assert!(Password::parse_for("zq7vtm!kw", floor, &e).is_ok());
    // 64 and 256 characters are allowed and kept whole; 257 is not.
    let phrase = "amber quiet river lamp velvet orbit lantern 92 quarry thistle moss";
    let p64: String = phrase.chars().cycle().take(64).collect();
    assert_eq!(set(&p64).unwrap().expose(), p64, "not truncated");
    let p256: String = phrase.chars().cycle().take(256).collect();
    assert_eq!(set(&p256).unwrap().expose().chars().count(), 256);
    let p257: String = phrase.chars().cycle().take(257).collect();
    assert_eq!(set(&p257), Err(PasswordError::TooLong(256)));
    // A long keyboard walk must not panic the estimator.
    let walk: String = "qwertyuiop".chars().cycle().take(256).collect();
    assert_eq!(set(&walk), Err(PasswordError::TooCommon));
    let _ = set(&"xk".repeat(128));
    let _ = set(&"zaq1xsw2cde3".repeat(21));
}

#[test]
fn parse_for_normalises_to_nfkc_first() {
    let e = email("ada@example.com");
    let p = PasswordPolicy::default();
    let a = Password::parse_for("ａｍｂｅｒ ｑｕｉｅｔ ｒｉｖｅｒ ｌａｍｐ", p, &e).unwrap();
    assert_eq!(a.expose(), "amber quiet river lamp");
    // A fullwidth "password" is the same common password once normalised.
    assert_eq!(
        Password::parse_for("ｐａｓｓｗｏｒｄ１２３４５６７", p, &e),
        Err(PasswordError::TooCommon)
    );
    // ...and a fullwidth email name is still the email name.
    assert_eq!(
        Password::parse_for("amber ＡＤＡ quiet river lamp", p, &e),
        Err(PasswordError::ContainsEmailName)
    );
    // Each code point counts as one: 15 accented letters are long enough.
    assert_eq!(
        Password::parse("ééééééééééééééé", p).map(|p| p.expose().chars().count()),
        Ok(15)
    );
}
