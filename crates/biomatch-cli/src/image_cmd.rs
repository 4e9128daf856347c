//! Placeholder until the image issue lands.

#[derive(clap::Subcommand)]
pub enum ImageCmd {
    /// Decode an image to PNG.
    Decode {},
}

pub fn run(_cmd: ImageCmd) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
