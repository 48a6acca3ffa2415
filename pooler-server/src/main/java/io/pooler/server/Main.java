package io.pooler.server;

/** Entry point of {@code pooler.jar}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println(io.pooler.Version.STRING);
    }
}
