import ArgumentParser
import CurbctlDevice
import CurbctlFleet

/// The technician and operator CLI. The fleet side talks to devices over the MQTT contract; the device side
/// (commissioning checks, probes, provisioning) joins as further subcommands.
@main
struct Curbctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curbctl",
        abstract:
            "Operate Curbside devices: list them, watch them, command them, configure them, fetch captures; "
            + "on a board: check, probe and provision it; in the workshop: make its image and flash it.",
        discussion: """
            Every fleet subcommand talks to the broker over the MQTT contract (curb/v1/{site}/{kind}/{device}/…). \
            Name a device as site/kind/id (jongno-gu/streetlight/pole-0417) or by its id alone when only one \
            device on the broker has it (pole-0417).

            BROKER: --broker mqtt://host:1883 (or mqtts://, with --ca-file, --cert-file/--key-file for mutual TLS, \
            --username and --password-file), or --profile NAME from $XDG_CONFIG_HOME/curbside/curbctl.yaml \
            (default ~/.config/curbside/curbctl.yaml), or the CURBCTL_BROKER environment variable, or the file's \
            default profile, else mqtt://127.0.0.1:1883. A profile has the keys of a daemon's mqtt section:

              default: city
              profiles:
                demo: {url: "mqtt://127.0.0.1:1883"}
                city:
                  url: mqtts://broker.city.example:8883
                  username: operator
                  password_file: /home/ops/.config/curbside/city.password   # chmod 600
                  tls: {ca_file: /etc/curbside/ca.pem}

            EXAMPLES:
              curbctl devices
              curbctl watch pole-0417
              curbctl cmd pole-0417 set-level level=30 duration_s=60
              curbctl config push pole-0417 streetlight.yaml
              curbctl capture get pier-3 --format csv
              curbctl keys gen ops-2026 ops-2026.key
              curbctl cmd pole-0417 set-level level=30 --sign ops-2026.key

            EXIT STATUS (every subcommand):
            \(ExitStatus.table)
            """,
        subcommands: [
            Devices.self, Watch.self, Command.self, Config.self, CaptureCommand.self, Keys.self,
            // The device side, run on the board: commissioning, wiring checks, provisioning.
            CheckCommand.self, GPIOCommand.self, I2CCommand.self, ModbusCommand.self, ProvisionCommand.self,
            // In the workshop: a device image, and writing it to a card or eMMC.
            ImageCommand.self, FlashCommand.self,
        ])
}
