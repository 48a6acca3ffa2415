package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueFormatTest {

    /** Expected strings are what C's printf("%g", seconds) prints, as PgBouncer's SHOW CONFIG does. */
    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "5000000, 5",
            "500000, 0.5",
            "3600000000, 3600",
            "100, 0.0001",
            "10, 1e-05",
            "1500, 0.0015",
            "999999000000, 999999",
            "1000000000000, 1e+06",
            "1234567000000, 1.23457e+06",
            "123456789000000, 1.23457e+08",
            "1234567, 1.23457",
    })
    void formatsSecondsLikePrintfG(long micros, String expected) {
        assertEquals(expected, ValueFormat.seconds(Duration.ofNanos(micros * 1000)));
    }
}
