use super::*;

struct Fixed;
impl RandomSource for Fixed {
    fn fill(&self, buf: &mut [u8]) {
        buf.fill(7);
    }
}

const USER: &str = "0b8c9a3e-1d2f-4a5b-8c7d-6e5f4a3b2c1d";

fn cookies(secret: &str) -> DeviceCookies {
    DeviceCookies::new(&SecretString::from(secret.repeat(40)), "https://id.example")
}

#[test]
fn asvs_6_3_1_device_cookie_names_its_account_until_it_expires() {
    let c = cookies("k");
    let user = UserId::parse(USER).unwrap();
    let now = UnixTime::from_secs(1_000_000);
    let cookie = c.cookie_for(&user, now, &Fixed).unwrap();
    assert_eq!(cookie.name(), "__Host-tessera_device");
    assert_eq!(cookie.http_only(), Some(true));
    let d = c.verify(cookie.value(), now).unwrap();
    assert_eq!(d.user, user);
    assert!(c
        .verify(cookie.value(), now.plus(DEVICE_TTL_SECS))
        .is_none());
}

#[test]
fn asvs_6_3_1_forged_or_foreign_device_cookies_are_refused() {
    let c = cookies("k");
    let user = UserId::parse(USER).unwrap();
    let now = UnixTime::from_secs(1_000_000);
    let value = c.cookie_for(&user, now, &Fixed).unwrap().value().to_owned();
    assert!(cookies("j").verify(&value, now).is_none(), "other secret");
    let other = value.replacen("0b8c", "1b8c", 1);
    assert!(c.verify(&other, now).is_none(), "another account");
    assert!(c.verify("garbage", now).is_none());
    assert!(c.verify("", now).is_none());
}
