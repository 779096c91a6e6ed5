import { isHostOrIp, isIpv4, isIpv4Cidr, isIpv4OrHostName, scopeNetworkError } from './network.validators.js';

describe('network validators', () => {
  it.each([
    ['10.1.2.0/24', true],
    ['0.0.0.0/0', true],
    ['10.1.2.7/32', true],
    ['10.1.2.1/24', false],
    ['10.1.2.0/33', false],
    ['10.1.2.0', false],
    ['10.1.2.0/24/1', false],
    ['300.1.2.0/24', false],
    ['10.1.2.0/ 24', false],
  ])('isIpv4Cidr(%s) is %s', (value, expected) => {
    expect(isIpv4Cidr(value)).toBe(expected);
  });

  it.each([
    ['10.0.0.1', true],
    ['::1', false],
    ['10.0.0', false],
    ['010.0.0.1', false],
  ])('isIpv4(%s) is %s', (value, expected) => {
    expect(isIpv4(value)).toBe(expected);
  });

  it.each([
    ['dhcp1.example.net', true],
    ['127.0.0.1', true],
    ['::1', true],
    ['-bad.example', false],
    ['bad host', false],
    ['', false],
    ['10.0.0.256', false],
    ['10.0.0', false],
    ['1.2.3.4.', false],
  ])('isHostOrIp(%s) is %s', (value, expected) => {
    expect(isHostOrIp(value)).toBe(expected);
  });

  it.each([
    ['dhcp1.example.net', true],
    ['127.0.0.2', true],
    ['::1', false],
    ['fe80::1', false],
    ['999.1.1.1', false],
    ['10.0.0', false],
    ['a..b', false],
    ['-bad.example', false],
    ['', false],
  ])('isIpv4OrHostName(%s) is %s', (value, expected) => {
    expect(isIpv4OrHostName(value)).toBe(expected);
  });
});

describe('scopeNetworkError', () => {
  it.each([
    ['10.1.2.0', undefined],
    // Only the server knows a scope's prefix: an address alone is taken as it is.
    ['10.1.2.5', undefined],
    [
      '10.0.0.5/24',
      "network takes the scope's network address without a prefix length; 10.0.0.5/24 is a host address in 10.0.0.0/24: send 10.0.0.0",
    ],
    [
      '10.0.0.0/24',
      "network takes the scope's network address without a prefix length: send 10.0.0.0 for 10.0.0.0/24",
    ],
    [
      '192.168.7.200/22',
      "network takes the scope's network address without a prefix length; 192.168.7.200/22 is a host address in 192.168.4.0/22: send 192.168.4.0",
    ],
    [
      '10.1.2.7/32',
      "network takes the scope's network address without a prefix length: send 10.1.2.7 for 10.1.2.7/32",
    ],
    [
      '255.255.255.255/1',
      "network takes the scope's network address without a prefix length; 255.255.255.255/1 is a host address in 128.0.0.0/1: send 128.0.0.0",
    ],
    ['10.1.2.0/33', "network must be the scope's IPv4 network address, such as 10.1.2.0"],
    ['10.1.2', "network must be the scope's IPv4 network address, such as 10.1.2.0"],
    ['scope-a', "network must be the scope's IPv4 network address, such as 10.1.2.0"],
    [42, "network must be the scope's IPv4 network address, such as 10.1.2.0"],
  ])('scopeNetworkError(%s)', (value, expected) => {
    expect(scopeNetworkError(value)).toBe(expected);
  });
});
