package dev.rotor.models;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Amounts of money in pico-dollars (10^-12 USD) as whole numbers: a price per token of a cheap model is a few hundred
 * thousand of them, and sums, budgets and a Redis counter stay exact.
 */
public final class Money {

    public static final long PICO_PER_USD = 1_000_000_000_000L;

    private Money() {}

    public static long picoUsd(BigDecimal usd) {
        return usd.movePointRight(12).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    public static double usd(long picoUsd) {
        return picoUsd / (double) PICO_PER_USD;
    }

    /** For logs and tables: $0.0123, $2.00. */
    public static String text(long picoUsd) {
        double usd = usd(picoUsd);
        return String.format(Locale.ROOT, usd != 0 && Math.abs(usd) < 0.01 ? "$%.6f" : "$%.2f", usd);
    }
}
