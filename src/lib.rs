//! isrctl: the engine behind the on-call console for on-demand ISR sites.
//!
//! Nothing in this library knows about the terminal; the command line
//! (`cli`) and, later, the terminal UI are thin front ends over it.

pub mod history;
pub mod sim;
pub mod target;
