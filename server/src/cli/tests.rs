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

/// `resource create` takes the optional name and scope; `delete` takes the identifier alone.
#[test]
fn resource_commands_parse() {
    let cli = Cli::try_parse_from([
        "tessera",
        "resource",
        "create",
        "--identifier",
        "https://mcp.example/mcp",
        "--scope",
        "notes:read notes:write",
        "--client",
        "api-1",
        "--client",
        "api-2",
    ])
    .unwrap();
    match cli.command {
        Command::Resource(ResourceCommand::Create {
            identifier,
            name,
            scope,
            clients,
        }) => {
            assert_eq!(identifier, "https://mcp.example/mcp");
            assert_eq!(name, None);
            assert_eq!(scope.as_deref(), Some("notes:read notes:write"));
            assert_eq!(clients, vec!["api-1", "api-2"]);
        }
        other => panic!("parsed as {other:?}"),
    }
    let cli = Cli::try_parse_from(["tessera", "resource", "delete", "urn:example:api"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::Resource(ResourceCommand::Delete { identifier }) if identifier == "urn:example:api"
    ));
    assert!(Cli::try_parse_from(["tessera", "resource", "create"]).is_err());
    assert!(Cli::try_parse_from(["tessera", "resource", "delete"]).is_err());
}
