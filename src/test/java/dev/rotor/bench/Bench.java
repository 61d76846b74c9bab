package dev.rotor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** What the benchmarks share: timing loops, percentiles, and bench/results.json. */
final class Bench {

    static final Path RESULTS = Path.of("bench/results.json");

    private Bench() {}

    @FunctionalInterface
    interface Call {
        void run(int i) throws Exception;
    }

    /** Each path's latencies in ns, sorted; the paths take turns call by call. */
    static Map<String, long[]> interleavedLatencies(Map<String, Call> paths, int n) throws Exception {
        Map<String, long[]> ns = new LinkedHashMap<>();
        paths.keySet().forEach(name -> ns.put(name, new long[n]));
        for (int i = 0; i < n; i++) {
            for (Map.Entry<String, Call> path : paths.entrySet()) {
                long start = System.nanoTime();
                path.getValue().run(i);
                ns.get(path.getKey())[i] = System.nanoTime() - start;
            }
        }
        ns.values().forEach(Arrays::sort);
        return ns;
    }

    /**
     * Each path's calls per second with {@code concurrency} callers: the median of {@code rounds} rounds, taken in
     * turn.
     */
    static Map<String, Double> throughputs(Map<String, Call> paths, int n, int concurrency, int rounds)
            throws Exception {
        Map<String, List<Double>> measured = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Call> path : paths.entrySet()) {
                measured.computeIfAbsent(path.getKey(), k -> new ArrayList<>())
                        .add(throughput(path.getValue(), n, concurrency));
            }
        }
        Map<String, Double> median = new LinkedHashMap<>();
        measured.forEach((name, values) ->
                median.put(name, values.stream().sorted().toList().get(values.size() / 2)));
        return median;
    }

    static double throughput(Call call, int n, int concurrency) throws Exception {
        return n / runConcurrently(call, n, concurrency);
    }

    /**
     * Runs {@code call} for 0 to n-1 on {@code concurrency} threads, each taking the next number; the seconds it took.
     */
    static double runConcurrently(Call call, int n, int concurrency) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        call.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double p) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Sets one benchmark's figures in bench/results.json, keeping what the other benchmarks wrote there. */
    static void writeResults(String key, Map<String, Object> figures) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root =
                Files.exists(RESULTS) ? (ObjectNode) json.readTree(RESULTS.toFile()) : json.createObjectNode();
        root.set(key, json.valueToTree(figures));
        json.writerWithDefaultPrettyPrinter().writeValue(RESULTS.toFile(), root);
    }
}
