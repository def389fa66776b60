/// The first-boot unit `curbctl image` installs: on the device's first boot (with a network) it installs the Curbside
/// package(s) the image carries, enables and starts the daemon, and removes itself. A failed installation (no network
/// for the packages' dependencies) leaves everything in place, so the next boot tries again.
enum FirstBoot {
    static let folder = "/var/lib/curbside/firstboot"
    static let script = "/usr/local/sbin/curbside-firstboot"
    static let unit = "/etc/systemd/system/curbside-firstboot.service"
    static let wants = "/etc/systemd/system/multi-user.target.wants/curbside-firstboot.service"

    static func unitText(daemon: String) -> String {
        """
        # Written by curbctl image: installs the Curbside package and enables \(daemon), once, then removes itself.
        [Unit]
        Description=Curbside first boot: install the package and enable \(daemon)
        Wants=network-online.target
        After=network-online.target
        ConditionPathIsDirectory=\(folder)

        [Service]
        Type=oneshot
        ExecStart=\(script)
        TimeoutStartSec=30min

        [Install]
        WantedBy=multi-user.target

        """
    }

    static func scriptText(daemon: String, identity: String) -> String {
        """
        #!/bin/sh
        # Written by curbctl image for \(identity): installs the Curbside package(s) in \(folder) (apt resolves
        # their dependencies), enables and starts \(daemon), then removes this script, its unit and the packages.
        # The configuration and credentials are already in place; --force-confold keeps them.
        set -eu
        export DEBIAN_FRONTEND=noninteractive
        # Without a network the dependencies may still be present; the install below decides.
        apt-get update -q || echo "curbside-firstboot: apt-get update failed; installing with the lists present"
        apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \(folder)/*.deb
        systemctl enable --now \(daemon).service
        rm -f \(wants) \(unit)
        rm -rf \(folder)
        rm -f \(script)
        systemctl daemon-reload
        echo "curbside-firstboot: \(daemon) installed and enabled for \(identity)"

        """
    }
}
