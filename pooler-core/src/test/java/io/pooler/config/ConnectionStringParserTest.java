package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pooler.config.ConnectionStringParser.Pair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionStringParserTest {

    @Test
    void readsPairsSeparatedByBlanks() throws Exception {
        assertEquals(List.of(new Pair("host", "db1"), new Pair("port", "5433"), new Pair("dbname", "app")),
                ConnectionStringParser.parse("  host=db1 port=5433\tdbname=app  "));
    }

    @Test
    void allowsBlanksAroundTheEqualsSign() throws Exception {
        assertEquals(List.of(new Pair("host", "db1"), new Pair("port", "1")),
                ConnectionStringParser.parse("host = db1 port =1"));
    }

    @Test
    void anEmptyStringHasNoPairs() throws Exception {
        assertEquals(List.of(), ConnectionStringParser.parse(""));
        assertEquals(List.of(), ConnectionStringParser.parse("   "));
    }

    @Test
    void unquotesSingleQuotedValues() throws Exception {
        assertEquals(List.of(
                        new Pair("password", "s3cret pass"),
                        new Pair("application_name", "it's"),
                        new Pair("a", "it's"),
                        new Pair("b", "back\\slash"),
                        new Pair("c", "C:\\path"),
                        new Pair("d", "=x y=")),
                ConnectionStringParser.parse("password='s3cret pass' application_name='it''s' a='it\\'s'"
                        + " b='back\\\\slash' c='C:\\path' d='=x y='"));
    }

    @Test
    void keepsUnquotedValuesVerbatim() throws Exception {
        assertEquals(List.of(new Pair("password", "a'b\\c"), new Pair("x", "1")),
                ConnectionStringParser.parse("password=a'b\\c x=1"));
    }

    @Test
    void keepsRepeatedKeysInOrder() throws Exception {
        assertEquals(List.of(new Pair("port", "1"), new Pair("port", "2")),
                ConnectionStringParser.parse("port=1 port=2"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "host                | expected \"=\" after \"host\"",
            "host db1            | expected \"=\" after \"host\"",
            "=db1                | \"=\" without a parameter name",
            "host=               | empty value for \"host\"",
            "host=''             | empty value for \"host\"",
            "password='abc       | unterminated quoted value for \"password\"",
            "password='abc\\'    | unterminated quoted value for \"password\"",
            "password='a'b       | expected a blank after the quoted value of \"password\"",
    })
    void refusesMalformedStrings(String text, String problem) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> ConnectionStringParser.parse(text));
        assertEquals("syntax error in connection string: " + problem, e.reason());
    }
}
