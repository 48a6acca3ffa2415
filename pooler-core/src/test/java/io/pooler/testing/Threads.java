package io.pooler.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/** Several threads at once, as several event loops would be: for tests of state each thread writes on its own. */
public final class Threads {
    private Threads() {
    }

    /** Runs {@code body} with 0 to {@code count - 1} on that many new threads at once, and waits for all of them. */
    public static void runAll(int count, IntConsumer body) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            int index = t;
            Thread thread = new Thread(() -> body.accept(index));
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
