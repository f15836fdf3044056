//! PEM/DER certificate parsing (being written).
