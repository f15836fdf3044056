//! Our CryptoProvider (being written).
