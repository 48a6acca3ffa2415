package io.pooler.bench;

/** Entry point of {@code pooler-bench.jar}. */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        System.out.println("bench: nothing yet");
    }
}
