use super::*;

/// A generated client id may begin with `-` (base64url): it is the value, not an option.
#[test]
fn an_id_with_a_leading_hyphen_is_a_value() {
    let cli =
        Cli::try_parse_from(["tessera", "client", "delete", "-Dr4xZn3PbVdu8yvM0WWpQ"]).unwrap();
    match cli.command {
        Command::Client(ClientCommand::Delete { id }) => {
            assert_eq!(id, "-Dr4xZn3PbVdu8yvM0WWpQ")
        }
        other => panic!("parsed as {other:?}"),
    }
    let cli = Cli::try_parse_from(["tessera", "apikey", "revoke", "-abcdefg"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::ApiKey(ApiKeyCommand::Revoke { id }) if id == "-abcdefg"
    ));
}

/// The device grant is named by its RFC 8628 URN on the command line.
#[test]
fn client_create_takes_the_device_grant() {
    let cli = Cli::try_parse_from([
        "tessera",
        "client",
        "create",
        "--name",
        "TV",
        "--public",
        "--grant",
        "urn:ietf:params:oauth:grant-type:device_code",
    ])
    .unwrap();
    match cli.command {
        Command::Client(ClientCommand::Create(c)) => {
            assert_eq!(c.grants, ["urn:ietf:params:oauth:grant-type:device_code"]);
            assert!(c.public);
        }
        other => panic!("parsed as {other:?}"),
    }
}
