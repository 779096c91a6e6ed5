import { SSH_SECRETS, SshConnectionFields } from './ssh-connection.dto.js';

/** How to reach a Windows DHCP server: OpenSSH on Windows Server, PowerShell's DhcpServer module. */
export class WindowsConnectionDto extends SshConnectionFields {}

export const WINDOWS_SECRETS = SSH_SECRETS;
