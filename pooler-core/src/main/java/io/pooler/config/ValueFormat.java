package io.pooler.config;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;

/** Renders parsed values the way PgBouncer's SHOW CONFIG prints them, so tools comparing output agree. */
final class ValueFormat {

    private static final MathContext SIX_DIGITS = new MathContext(6, RoundingMode.HALF_EVEN);

    private ValueFormat() {
    }

    /**
     * The SHOW CONFIG text of a parsed value: integers in decimal ({@code 0777} shows as {@code 511}),
     * switches as {@code 1}/{@code 0}, seconds as C's {@code %g}, enums in canonical spelling, text and lists
     * exactly as written.
     */
    static String show(ConfigKey key, Object parsed, String written) {
        return switch (key.type()) {
            case INT, ENUM -> parsed.toString();
            case BOOL -> (Boolean) parsed ? "1" : "0";
            case SECONDS -> seconds((Duration) parsed);
            case STRING, LIST -> written;
        };
    }

    /**
     * Formats seconds like C's {@code printf("%g")}: six significant digits, no trailing zeros, exponent form
     * below 1e-4 or from 1e6 up. Java's {@code %g} keeps trailing zeros, hence this.
     */
    static String seconds(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9));
        if (seconds.signum() == 0) {
            return "0";
        }
        BigDecimal rounded = seconds.round(SIX_DIGITS);
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String mantissa = rounded.movePointLeft(exponent).stripTrailingZeros().toPlainString();
            return String.format(Locale.ROOT, "%se%s%02d", mantissa, exponent < 0 ? "-" : "+", Math.abs(exponent));
        }
        return rounded.stripTrailingZeros().toPlainString();
    }
}
