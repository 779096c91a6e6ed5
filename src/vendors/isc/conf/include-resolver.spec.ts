import { changedFiles, loadConf, resolveInclude } from './include-resolver.js';
import { findSubnets } from './isc-subnet.mapper.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';

function reader(files: Record<string, string>) {
  const reads: string[] = [];
  const read = (path: string): Promise<string> => {
    reads.push(path);
    const text = files[path];
    return text === undefined ? Promise.reject(new Error(`ENOENT ${path}`)) : Promise.resolve(text);
  };
  return { read, reads };
}

describe('dhcpd.conf includes', () => {
  it('follows includes (also inside blocks) and sees their declarations in place', async () => {
    const { read, reads } = reader({
      '/etc/dhcp/dhcpd.conf': 'include "subnets.conf";\nshared-network x {\n  include "/opt/more.conf";\n}\n',
      '/etc/dhcp/subnets.conf': 'subnet 10.0.0.0 netmask 255.0.0.0 { }\n',
      '/opt/more.conf': 'subnet 10.1.0.0 netmask 255.255.0.0 { }\ninclude "subnets.conf";\n',
    });
    const set = await loadConf('/etc/dhcp/dhcpd.conf', read);
    expect(reads).toEqual(['/etc/dhcp/dhcpd.conf', '/etc/dhcp/subnets.conf', '/opt/more.conf']);
    expect(findSubnets(set).map((subnet) => [subnet.cidr, subnet.sharedNetwork, subnet.file.path])).toEqual([
      ['10.0.0.0/8', undefined, '/etc/dhcp/subnets.conf'],
      ['10.1.0.0/16', 'x', '/opt/more.conf'],
      ['10.0.0.0/8', 'x', '/etc/dhcp/subnets.conf'],
    ]);
    expect(changedFiles(set).size).toBe(0);
  });

  it('reports an include cycle at the include that closes it', async () => {
    const { read } = reader({
      '/etc/dhcp/dhcpd.conf': 'include "a.conf";\n',
      '/etc/dhcp/a.conf': '# a\n  include "dhcpd.conf";\n',
    });
    const error = await loadConf('/etc/dhcp/dhcpd.conf', read).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DhcpdConfSyntaxError);
    expect(error).toMatchObject({ file: '/etc/dhcp/a.conf', line: 2, column: 11 });
    expect((error as Error).message).toContain(
      'include cycle: /etc/dhcp/dhcpd.conf -> /etc/dhcp/a.conf -> /etc/dhcp/dhcpd.conf',
    );
  });

  it('reports a syntax error in an included file with that file’s name', async () => {
    const { read } = reader({
      '/etc/dhcp/dhcpd.conf': 'include "bad.conf";\n',
      '/etc/dhcp/bad.conf': 'a;\nb\n',
    });
    await expect(loadConf('/etc/dhcp/dhcpd.conf', read)).rejects.toThrow(
      '/etc/dhcp/bad.conf line 2, column 2: missing \';\' after "b" (the file ends)',
    );
  });

  it('resolves relative paths against the main file’s directory', () => {
    expect(resolveInclude('/etc/dhcp/dhcpd.conf', 'x/../peers.conf')).toBe('/etc/dhcp/peers.conf');
    expect(resolveInclude('/etc/dhcp/dhcpd.conf', '/srv/a.conf')).toBe('/srv/a.conf');
  });
});
