package io.pooler.auth;

import java.util.Objects;

/** A password stored in clear text. */
public record PlainSecret(String password) implements Secret {

    public PlainSecret {
        Objects.requireNonNull(password, "password");
    }

    /** Never prints the password, so a secret that ends up in a log line leaks nothing. */
    @Override
    public String toString() {
        return "PlainSecret[***]";
    }
}
