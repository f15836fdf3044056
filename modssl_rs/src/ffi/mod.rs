//! placeholder
pub mod status;
