package dev.rotor.settings;

import static dev.rotor.settings.Setting.choice;
import static dev.rotor.settings.Setting.of;

import java.util.List;

/** How Rotor reaches providers: HTTP, OpenRouter's headers, the simulator, and the checks of each provider. */
public final class ProviderKeys {

    public static final Setting HTTP_CONNECT_TIMEOUT = of(
            "rotor.http.connect-timeout", Kind.MILLIS, "10000", "the longest a connection to a provider takes to open");
    public static final Setting HTTP_READ_TIMEOUT =
            of("rotor.http.read-timeout", Kind.MILLIS, "120000", "the longest a whole answer takes to arrive");
    public static final Setting HTTP_MAX_CONNECTIONS =
            of("rotor.http.max-connections", Kind.COUNT, "64", "connections to providers kept in the pool");
    public static final Setting OPENROUTER_REFERER =
            of("rotor.openrouter.referer", Kind.TEXT, "", "sent as OpenRouter's `HTTP-Referer` when set");
    public static final Setting OPENROUTER_TITLE =
            of("rotor.openrouter.title", Kind.TEXT, "Rotor", "sent as OpenRouter's `X-Title` when set");
    public static final Setting SIMULATOR = choice(
            "rotor.simulator.enabled",
            "auto",
            "`auto`: simulate the providers whose key is unset; `true` (`always`): all; `false` (`never`): none (a call with no key fails `auth`)",
            "auto",
            "true",
            "false",
            "always",
            "never");
    public static final Setting SIMULATOR_SCENARIO = of(
            "rotor.simulator.scenario",
            Kind.PATH,
            "",
            "a scenario file for the simulator, in place of the built-in one (its format: [testing.md](testing.md))");
    public static final Setting CHECK_AT_START = of(
            "rotor.check.at-start",
            Kind.FLAG,
            "true",
            "at start, ask each provider's `GET /models` and leave a model it does not list out of the rotation");
    public static final Setting CHECK = of(
            "rotor.check",
            Kind.FLAG,
            "false",
            "check every provider and model, print the report and exit (what `java -jar target/rotor.jar check` sets)");

    public static final SettingsGroup GROUP = new SettingsGroup(
            "Providers",
            List.of(
                    HTTP_CONNECT_TIMEOUT,
                    HTTP_READ_TIMEOUT,
                    HTTP_MAX_CONNECTIONS,
                    OPENROUTER_REFERER,
                    OPENROUTER_TITLE,
                    SIMULATOR,
                    SIMULATOR_SCENARIO,
                    CHECK_AT_START,
                    CHECK));

    private ProviderKeys() {}
}
