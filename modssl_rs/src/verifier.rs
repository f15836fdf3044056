//! Certificate verification rules (being written).
