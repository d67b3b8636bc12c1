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

/// `upstream create` per the contract (the secret only from stdin), with the GitHub options.
#[test]
fn upstream_commands_parse() {
    let cli = Cli::try_parse_from([
        "tessera",
        "upstream",
        "create",
        "--name",
        "Corp",
        "--issuer",
        "https://id.corp.example",
        "--client-id",
        "abc",
        "--client-secret-stdin",
        "--scope",
        "openid email",
    ])
    .unwrap();
    match cli.command {
        Command::Upstream(UpstreamCommand::Create {
            name,
            issuer,
            client_id,
            scope,
            kind,
            ..
        }) => {
            assert_eq!(name, "Corp");
            assert_eq!(issuer.as_deref(), Some("https://id.corp.example"));
            assert_eq!(client_id, "abc");
            assert_eq!(scope.as_deref(), Some("openid email"));
            assert_eq!(kind, None);
        }
        other => panic!("parsed as {other:?}"),
    }
    // Without --client-secret-stdin it is a usage error (exit status 2).
    let e = Cli::try_parse_from([
        "tessera",
        "upstream",
        "create",
        "--name",
        "C",
        "--client-id",
        "a",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(matches!(
        Cli::try_parse_from(["tessera", "upstream", "list"])
            .unwrap()
            .command,
        Command::Upstream(UpstreamCommand::List)
    ));
    assert!(matches!(
        Cli::try_parse_from(["tessera", "upstream", "delete", "x"]).unwrap().command,
        Command::Upstream(UpstreamCommand::Delete { id }) if id == "x"
    ));
}
