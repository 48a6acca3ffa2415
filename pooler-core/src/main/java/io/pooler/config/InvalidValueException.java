package io.pooler.config;

/**
 * A value that does not parse, with the reason only ("not an integer"). The loader adds file, line and key,
 * because the parsers do not know where the value came from.
 */
final class InvalidValueException extends Exception {

    InvalidValueException(String reason) {
        super(reason);
    }

    String reason() {
        return getMessage();
    }
}
