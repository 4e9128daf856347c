//! Fixed-point angles and the matcher's coordinate frame.
//!
//! Angles are `u16` fractions of a full turn (65536 units = 360°), so wrapping arithmetic is
//! exact and an angle difference is one wrapping subtraction. Coordinates are `f32` matcher
//! units (pixels at 500 ppi) with y pointing **up**, so angles grow counter-clockwise as in
//! ordinary mathematics (the template's y-down convention with counter-clockwise-on-screen
//! angles maps onto this by negating y).

/// One full turn in angle units.
const TURN: f32 = 65536.0;

/// Degrees to angle units (wrapping).
pub(crate) fn from_degrees(deg: f32) -> u16 {
    let turns = deg / 360.0;
    let frac = turns - turns.floor();
    ((frac * TURN).round() as u32 & 0xFFFF) as u16
}

/// Radians to angle units (wrapping).
pub(crate) fn from_radians(rad: f32) -> u16 {
    from_degrees(rad.to_degrees())
}

/// Angle units to radians in `[0, 2π)`.
#[cfg(test)]
fn to_radians(a: u16) -> f32 {
    a as f32 * (std::f32::consts::TAU / TURN)
}

/// A tolerance in degrees as angle units (at most half a turn).
pub(crate) fn tolerance(deg: f32) -> u16 {
    (deg.clamp(0.0, 180.0) / 360.0 * TURN).min(32767.0) as u16
}

/// The absolute difference of two angles, in `[0, half turn]` units.
#[inline(always)]
pub(crate) fn distance(a: u16, b: u16) -> u16 {
    (a.wrapping_sub(b) as i16).unsigned_abs()
}

/// Direction of the vector `(dx, dy)` (y up) in angle units.
#[inline]
pub(crate) fn direction(dx: f32, dy: f32) -> u16 {
    from_radians(dy.atan2(dx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_wrap_and_round_trip() {
        assert_eq!(from_degrees(0.0), 0);
        assert_eq!(from_degrees(360.0), 0);
        assert_eq!(from_degrees(-90.0), from_degrees(270.0));
        assert_eq!(from_degrees(180.0), 32768);
        let r = to_radians(from_degrees(123.0));
        assert!((r.to_degrees() - 123.0).abs() < 0.01);
    }

    #[test]
    fn distance_is_shortest_way_round() {
        // Equal up to one unit of rounding.
        let twenty = from_degrees(20.0);
        assert!(distance(from_degrees(350.0), from_degrees(10.0)).abs_diff(twenty) <= 1);
        assert!(distance(from_degrees(10.0), from_degrees(350.0)).abs_diff(twenty) <= 1);
        assert!(
            distance(from_degrees(100.0), from_degrees(300.0)).abs_diff(from_degrees(160.0)) <= 1
        );
        assert_eq!(distance(0, 32768), 32768);
    }

    #[test]
    fn direction_is_counter_clockwise_with_y_up() {
        assert_eq!(direction(1.0, 0.0), 0);
        assert_eq!(direction(0.0, 1.0), from_degrees(90.0));
        assert_eq!(direction(-1.0, 0.0), from_degrees(180.0));
    }
}
