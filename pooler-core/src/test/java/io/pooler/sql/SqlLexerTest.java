package io.pooler.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlLexerTest {
    private static List<String> tokens(String sql) {
        ByteBuf text = Unpooled.copiedBuffer(sql, StandardCharsets.UTF_8);
        return tokens(text, 0, text.writerIndex());
    }

    /** The tokens of {@code text[from, to)}; releases {@code text}. */
    private static List<String> tokens(ByteBuf text, int from, int to) {
        try {
            SqlLexer lexer = new SqlLexer(text, from, to);
            List<String> out = new ArrayList<>();
            while (lexer.next() != SqlLexer.END) {
                out.add(switch (lexer.type()) {
                    case SqlLexer.WORD -> "w:" + lexer.identifier();
                    case SqlLexer.QUOTED_IDENTIFIER -> "q:" + lexer.identifier();
                    case SqlLexer.STRING -> "s";
                    default -> "y";
                });
            }
            return out;
        } finally {
            text.release();
        }
    }

    @Test
    void splitsAsPostgresDoes() {
        assertEquals(List.of("w:select", "s", "y", "w:from", "q:T \"x\""), tokens("SELECT 'it''s' , FROM \"T \"\"x\"\"\""));
        assertEquals(List.of("w:select", "s", "w:a"), tokens("select $body$ ' \" $$ -- $body$ a"));
        assertEquals(List.of("w:select", "y", "y", "w:a"), tokens("select $1 a"));
        assertEquals(List.of("w:a", "w:b"), tokens("a /* x /* y */ z */ b -- c\n"));
        assertEquals(List.of("w:select", "s", "w:x"), tokens("select e'a\\'b' x"));
        assertEquals(List.of("w:a$b", "w:ünï"), tokens("a$b ÜNÏ".replace("ÜNÏ", "ünï")));
    }

    /**
     * A range inside a larger direct buffer (a Query's text inside its frame) and a text split over
     * several buffers (a composite) are split as the text alone is, whatever way the lexer reads them.
     */
    @Test
    void aRangeOfADirectOrCompositeBufferIsSplitAsTheTextAlone() {
        for (String sql : List.of("SELECT 'it''s' , FROM \"T \"\"x\"\"\"", "select $body$ ' \" $$ -- $body$ a",
                "a /* x /* y */ z */ b -- c\n", "select e'a\\'b' x", "")) {
            List<String> alone = tokens(sql);
            byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);

            ByteBuf framed = Unpooled.directBuffer();
            framed.writeBytes("Q\0\0\0\0".getBytes(StandardCharsets.US_ASCII)).writeBytes(bytes).writeByte(0);
            assertEquals(alone, tokens(framed, 5, 5 + bytes.length), "inside a frame: " + sql);

            for (int split = 0; split <= bytes.length; split++) {
                CompositeByteBuf composite = Unpooled.compositeBuffer();
                composite.addComponent(true, Unpooled.directBuffer().writeBytes(bytes, 0, split));
                composite.addComponent(true, Unpooled.directBuffer().writeBytes(bytes, split, bytes.length - split));
                assertEquals(alone, tokens(composite, 0, bytes.length), "split at " + split + ": " + sql);
            }
        }
    }

    @Test
    void hostileTextIsScannedInLinearTime() {
        // A long dollar tag followed by many '$': a naive search would compare the tag at each '$'.
        String tag = "$" + "t".repeat(200_000) + "$";
        String sql = "select " + tag + "$".repeat(400_000) + ("$" + "t".repeat(199_999) + "x").repeat(2);
        String comments = "/*".repeat(300_000) + "*/".repeat(300_000);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            tokens(sql);
            tokens(comments);
        });
    }
}
