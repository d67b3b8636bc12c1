use super::*;

#[test]
fn keys_a_secret_key_file_open_to_group_or_others_is_warned_about() {
    let path = Path::new("/srv/tessera/t.db.secret-key");
    for mode in [0o644, 0o640, 0o604, 0o620, 0o602, 0o100_666] {
        let w = shared_file_warning(path, mode).unwrap_or_else(|| panic!("{mode:o}"));
        assert!(w.contains("/srv/tessera/t.db.secret-key"), "{w}");
        assert!(w.contains(&format!("{:03o}", mode & 0o777)), "{w}");
    }
    for mode in [0o600, 0o400, 0o100_600] {
        assert_eq!(shared_file_warning(path, mode), None, "{mode:o}");
    }
}
