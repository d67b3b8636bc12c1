//! Re-embeds the migrations whenever a migration folder is added or changed: `embed_migrations!`
//! alone only notices edits to files it already includes.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
