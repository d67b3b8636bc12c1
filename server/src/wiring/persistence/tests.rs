use super::*;
use crate::config::Config;

#[test]
fn a_one_shot_command_waits_at_least_ten_seconds_for_the_database() {
    let mut database = Config::defaults().unwrap().database;
    let serving = pool_options(&database, Patience::Serving);
    assert_eq!(serving.wait_timeout, Duration::from_millis(2000));
    let one_shot = pool_options(&database, Patience::OneShot);
    assert_eq!(one_shot.wait_timeout, ONE_SHOT_TIMEOUT);
    assert_eq!(one_shot.statement_timeout, ONE_SHOT_TIMEOUT);
    database.timeout = Duration::from_secs(30);
    assert_eq!(
        pool_options(&database, Patience::OneShot).wait_timeout,
        Duration::from_secs(30),
        "a longer configured wait is kept"
    );
}
