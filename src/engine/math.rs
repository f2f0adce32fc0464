//! The float functions `core` lacks. With `std` they are the standard library's, so native
//! decisions are what they always were; without it (the numeric interface's Wasm) they are
//! the `libm` crate's, the same code the standard library runs on `wasm32-unknown-unknown`
//! (`ceil` and `fract` are exact everywhere; `cbrt` is correctly rounded in both).

/// The smallest integer not below `x`.
#[inline]
pub(crate) fn ceil(x: f64) -> f64 {
    #[cfg(feature = "std")]
    return x.ceil();
    #[cfg(not(feature = "std"))]
    return libm::ceil(x);
}

/// `x` less its integer part, with the sign of `x`.
#[inline]
pub(crate) fn fract(x: f64) -> f64 {
    #[cfg(feature = "std")]
    return x.fract();
    #[cfg(not(feature = "std"))]
    return x - libm::trunc(x);
}

/// The cube root of `x`.
#[inline]
pub(crate) fn cbrt(x: f64) -> f64 {
    #[cfg(feature = "std")]
    return x.cbrt();
    #[cfg(not(feature = "std"))]
    return libm::cbrt(x);
}
