import { Param, type PipeTransform } from '@nestjs/common';
import { ProblemException } from '../common/problem/problem.exception.js';
import { isIpv4 } from '../common/validation/network.validators.js';

class NetworkPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isIpv4(value)) {
      throw ProblemException.validation([
        { field: 'path.network', message: "network must be the scope's IPv4 network address, e.g. 10.1.2.0" },
      ]);
    }
    return value;
  }
}

/** The `:network` path parameter: a scope's IPv4 network address (as Windows names a ScopeId). */
export const NetworkParam = (): ParameterDecorator => Param('network', new NetworkPipe());
