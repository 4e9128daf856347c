//! Placeholder until the face issue lands.

/// Arguments of `eval face`.
#[derive(clap::Args)]
pub struct EvalArgs {}

/// Arguments of `bench face`.
#[derive(clap::Args)]
pub struct BenchArgs {}

pub fn run_eval(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}

pub fn run_bench(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
