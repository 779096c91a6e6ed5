import { Param, type PipeTransform } from '@nestjs/common';
import { describePathParameter } from '../common/http/id-param.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { scopeNetworkError } from '../common/validation/network.validators.js';

class NetworkPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const message = scopeNetworkError(value);
    if (message !== undefined) throw ProblemException.validation([{ field: 'path.network', message }]);
    return value;
  }
}

/** The `:network` path parameter: a scope's IPv4 network address (as Windows names a ScopeId). */
export const NetworkParam = (): ParameterDecorator => (target, key, index) => {
  Param('network', new NetworkPipe())(target, key, index);
  describePathParameter('network', "The scope's network address, e.g. `10.1.2.0`.")(target, key, index);
};
