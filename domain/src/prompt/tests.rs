use super::*;

#[test]
fn parses_prompt_lists() {
    let p = Prompt::parse("login consent").unwrap();
    assert!(p.login && p.consent && !p.none);
    assert!(p.forces_login());
    assert!(Prompt::parse("select_account").unwrap().forces_login());
    assert_eq!(Prompt::parse("").unwrap(), Prompt::default());
    assert_eq!(
        Prompt::parse("none login"),
        Err(PromptError::NoneWithOthers)
    );
    assert!(matches!(
        Prompt::parse("nonsense"),
        Err(PromptError::Unknown(_))
    ));
}

#[test]
fn response_modes() {
    assert_eq!(ResponseMode::parse("query").unwrap(), ResponseMode::Query);
    assert_eq!(
        ResponseMode::parse("form_post").unwrap(),
        ResponseMode::FormPost
    );
    assert!(ResponseMode::parse("fragment").is_err());
}
